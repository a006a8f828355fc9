// Symmetric eigendecomposition: Householder tridiagonalization and the
// implicit QL algorithm, ported from EISPACK tred2 and tql2 (Bowdler, Martin,
// Reinsch and Wilkinson, Handbook for Automatic Computation, vol. II) as
// published in the public-domain JAMA EigenvalueDecomposition. Loops that
// walk columns in JAMA are reordered to walk rows, so the inner loops are
// contiguous and SIMD. src/core/linalg/eigen.ts is the same algorithm in TypeScript.
import { axpy } from './factor';
import { dot } from './gemm';

// EISPACK tql2 gives up after 30 QL sweeps for one eigenvalue; allow twice that.
const MAX_SWEEPS: i32 = 60;
const EPS: f64 = 2.220446049250313e-16;

@inline function at(m: usize, n: i32, i: i32, j: i32): usize {
  return m + ((<usize>i * <usize>n + <usize>j) << 3);
}

@inline function el(v: usize, i: i32): usize {
  return v + (<usize>i << 3);
}

/**
 * Computes the eigenvalues of the symmetric `n x n` matrix at `v` (destroyed)
 * into `d`, in descending order. With `vectors`, writes the eigenvectors as
 * the columns of `v`, using `w` (`n x n`) and `g` (`n`) as scratch. `e` is
 * scratch of length n. Returns -1, or the index of the eigenvalue at which QL
 * did not converge.
 */
export function symmetricEigen(v: usize, n: i32, d: usize, e: usize, g: usize, w: usize, vectors: bool): i32 {
  if (n == 0) return -1;
  tridiagonalize(v, n, d, e);
  if (vectors) {
    accumulate(v, n, d, g);
    transpose(v, n, w);
  } else {
    for (let j = 0; j < n; j++) store<f64>(el(d, j), load<f64>(at(v, n, j, j)));
  }
  store<f64>(e, 0);
  const failedAt = ql(n, d, e, w, vectors);
  if (failedAt >= 0) return failedAt;
  sortDescending(n, d, w, vectors);
  if (vectors) transpose(w, n, v);
  return -1;
}

// tred2, reduction part: afterwards the lower triangle of v contains the
// Householder vectors, d the h values and e the subdiagonal.
function tridiagonalize(v: usize, n: i32, d: usize, e: usize): void {
  for (let j = 0; j < n; j++) store<f64>(el(d, j), load<f64>(at(v, n, n - 1, j)));
  for (let i = n - 1; i > 0; i--) {
    let scale: f64 = 0, h: f64 = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(load<f64>(el(d, k)));
    if (scale == 0) {
      store<f64>(el(e, i), load<f64>(el(d, i - 1)));
      for (let j = 0; j < i; j++) {
        store<f64>(el(d, j), load<f64>(at(v, n, i - 1, j)));
        store<f64>(at(v, n, i, j), 0);
        store<f64>(at(v, n, j, i), 0);
      }
    } else {
      h = householder(n, i, scale, d, e);
      similarity(v, n, i, h, d, e);
      for (let j = 0; j < i; j++) {
        store<f64>(el(d, j), load<f64>(at(v, n, i - 1, j)));
        store<f64>(at(v, n, i, j), 0);
      }
    }
    store<f64>(el(d, i), h);
  }
}

// Scales d[0:i] and turns it into the Householder vector; returns h.
function householder(n: i32, i: i32, scale: f64, d: usize, e: usize): f64 {
  let h: f64 = 0;
  for (let k = 0; k < i; k++) {
    const dk = load<f64>(el(d, k)) / scale;
    store<f64>(el(d, k), dk);
    h += dk * dk;
  }
  const f = load<f64>(el(d, i - 1));
  let g = Math.sqrt(h);
  if (f > 0) g = -g;
  store<f64>(el(e, i), scale * g);
  h -= f * g;
  store<f64>(el(d, i - 1), f - g);
  return h;
}

// Applies the similarity transformation to the leading i x i block.
function similarity(v: usize, n: i32, i: i32, h: f64, d: usize, e: usize): void {
  for (let j = 0; j < i; j++) store<f64>(el(e, j), 0);
  // e = A d, from the lower triangle, one row at a time.
  for (let k = 0; k < i; k++) {
    const dk = load<f64>(el(d, k));
    const row = at(v, n, k, 0);
    store<f64>(at(v, n, k, i), dk);
    const ek = load<f64>(el(e, k)) + dot<f64>(row, d, k) + load<f64>(el(row, k)) * dk;
    store<f64>(el(e, k), ek);
    axpy(dk, row, e, k);
  }
  let f: f64 = 0;
  for (let j = 0; j < i; j++) {
    const ej = load<f64>(el(e, j)) / h;
    store<f64>(el(e, j), ej);
    f += ej * load<f64>(el(d, j));
  }
  const hh = f / (h + h);
  for (let j = 0; j < i; j++) store<f64>(el(e, j), load<f64>(el(e, j)) - hh * load<f64>(el(d, j)));
  // Rank-2 update of the lower triangle: A[k, j] -= d[j] e[k] + e[j] d[k].
  for (let k = 0; k < i; k++) rank2Row(at(v, n, k, 0), d, e, load<f64>(el(d, k)), load<f64>(el(e, k)), k + 1);
}

function rank2Row(row: usize, d: usize, e: usize, dk: f64, ek: f64, len: i32): void {
  // Prologue: broadcast the row's scalars.
  const vd = f64x2.splat(dk), ve = f64x2.splat(ek);
  const even = len & ~1;
  // SIMD body.
  for (let j = 0; j < even; j += 2) {
    const off = <usize>j << 3;
    const t = f64x2.add(f64x2.mul(v128.load(d + off), ve), f64x2.mul(v128.load(e + off), vd));
    v128.store(row + off, f64x2.sub(v128.load(row + off), t));
  }
  // Scalar tail.
  if (even < len) {
    const off = <usize>even << 3;
    store<f64>(row + off, load<f64>(row + off) - (load<f64>(d + off) * ek + load<f64>(e + off) * dk));
  }
}

// tred2, accumulation part: turns the Householder vectors into the
// orthogonal matrix in v and leaves the diagonal in d.
function accumulate(v: usize, n: i32, d: usize, g: usize): void {
  for (let i = 0; i < n - 1; i++) {
    store<f64>(at(v, n, n - 1, i), load<f64>(at(v, n, i, i)));
    store<f64>(at(v, n, i, i), 1);
    const h = load<f64>(el(d, i + 1));
    if (h != 0) {
      for (let k = 0; k <= i; k++) store<f64>(el(d, k), load<f64>(at(v, n, k, i + 1)) / h);
      // g[j] = sum_k v[k, i+1] v[k, j], then v[k, j] -= g[j] d[k], both row-wise.
      for (let j = 0; j <= i; j++) store<f64>(el(g, j), 0);
      for (let k = 0; k <= i; k++) axpy(load<f64>(at(v, n, k, i + 1)), at(v, n, k, 0), g, i + 1);
      for (let k = 0; k <= i; k++) axpy(-load<f64>(el(d, k)), g, at(v, n, k, 0), i + 1);
    }
    for (let k = 0; k <= i; k++) store<f64>(at(v, n, k, i + 1), 0);
  }
  for (let j = 0; j < n; j++) {
    store<f64>(el(d, j), load<f64>(at(v, n, n - 1, j)));
    store<f64>(at(v, n, n - 1, j), 0);
  }
  store<f64>(at(v, n, n - 1, n - 1), 1);
}

function transpose(src: usize, n: i32, dst: usize): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) store<f64>(at(dst, n, j, i), load<f64>(at(src, n, i, j)));
  }
}

// tql2: eigenvalues of the tridiagonal (d, e); with vectors, rotates the rows
// of w, which contains the eigenvectors as rows. Returns -1, or the index that
// did not converge.
function ql(n: i32, d: usize, e: usize, w: usize, vectors: bool): i32 {
  for (let i = 1; i < n; i++) store<f64>(el(e, i - 1), load<f64>(el(e, i)));
  store<f64>(el(e, n - 1), 0);
  let f: f64 = 0, tst1: f64 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(load<f64>(el(d, l))) + Math.abs(load<f64>(el(e, l))));
    let m = l;
    // e[n-1] is zero, so the search ends there even when tst1 is NaN.
    while (m < n - 1 && !(Math.abs(load<f64>(el(e, m))) <= EPS * tst1)) m++;
    if (m > l) {
      let sweeps = 0;
      do {
        if (++sweeps > MAX_SWEEPS) return l;
        f += qlSweep(n, l, m, d, e, w, vectors);
      } while (Math.abs(load<f64>(el(e, l))) > EPS * tst1);
    }
    store<f64>(el(d, l), load<f64>(el(d, l)) + f);
    store<f64>(el(e, l), 0);
  }
  return -1;
}

// One implicit QL sweep on rows l..m; returns the shift to add to f.
function qlSweep(n: i32, l: i32, m: i32, d: usize, e: usize, w: usize, vectors: bool): f64 {
  let g = load<f64>(el(d, l));
  const el0 = load<f64>(el(e, l));
  let p = (load<f64>(el(d, l + 1)) - g) / (2 * el0);
  let r = Math.hypot(p, 1);
  if (p < 0) r = -r;
  store<f64>(el(d, l), el0 / (p + r));
  store<f64>(el(d, l + 1), el0 * (p + r));
  const dl1 = load<f64>(el(d, l + 1));
  let h = g - load<f64>(el(d, l));
  for (let i = l + 2; i < n; i++) store<f64>(el(d, i), load<f64>(el(d, i)) - h);
  const shift = h;

  // Chase the bulge from row m up to row l with Givens rotations.
  p = load<f64>(el(d, m));
  let c: f64 = 1, c2: f64 = 1, c3: f64 = 1, s: f64 = 0, s2: f64 = 0;
  const el1 = load<f64>(el(e, l + 1));
  for (let i = m - 1; i >= l; i--) {
    c3 = c2; c2 = c; s2 = s;
    const ei = load<f64>(el(e, i)), di = load<f64>(el(d, i));
    g = c * ei;
    h = c * p;
    r = Math.hypot(p, ei);
    store<f64>(el(e, i + 1), s * r);
    s = ei / r;
    c = p / r;
    p = c * di - s * g;
    store<f64>(el(d, i + 1), h + s * (c * g + s * di));
    if (vectors) rotateRows(at(w, n, i, 0), at(w, n, i + 1, 0), n, c, s);
  }

  p = -s * s2 * c3 * el1 * load<f64>(el(e, l)) / dl1;
  store<f64>(el(e, l), s * p);
  store<f64>(el(d, l), c * p);
  return shift;
}

// (x, y) <- (c x - s y, s x + c y) for rows x and y of length n.
function rotateRows(x: usize, y: usize, n: i32, c: f64, s: f64): void {
  // Prologue: broadcast the rotation.
  const vc = f64x2.splat(c), vs = f64x2.splat(s);
  const even = n & ~1;
  // SIMD body.
  for (let k = 0; k < even; k += 2) {
    const off = <usize>k << 3;
    const xv = v128.load(x + off), yv = v128.load(y + off);
    v128.store(y + off, f64x2.add(f64x2.mul(vs, xv), f64x2.mul(vc, yv)));
    v128.store(x + off, f64x2.sub(f64x2.mul(vc, xv), f64x2.mul(vs, yv)));
  }
  // Scalar tail.
  if (even < n) {
    const off = <usize>even << 3;
    const xk = load<f64>(x + off), yk = load<f64>(y + off);
    store<f64>(y + off, s * xk + c * yk);
    store<f64>(x + off, c * xk - s * yk);
  }
}

// Selection sort into descending order, swapping eigenvector rows along.
function sortDescending(n: i32, d: usize, w: usize, vectors: bool): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let best = load<f64>(el(d, i));
    for (let j = i + 1; j < n; j++) {
      const dj = load<f64>(el(d, j));
      if (dj > best) { k = j; best = dj; }
    }
    if (k == i) continue;
    store<f64>(el(d, k), load<f64>(el(d, i)));
    store<f64>(el(d, i), best);
    if (!vectors) continue;
    for (let j = 0; j < n; j++) {
      const a = at(w, n, i, j), b = at(w, n, k, j);
      const t = load<f64>(a);
      store<f64>(a, load<f64>(b));
      store<f64>(b, t);
    }
  }
}
