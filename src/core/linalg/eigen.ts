import { MadmixError } from '../errors.js';

/**
 * Symmetric eigendecomposition by Householder tridiagonalization and the
 * implicit QL algorithm, ported from EISPACK tred2 and tql2 (Bowdler, Martin,
 * Reinsch and Wilkinson, Handbook for Automatic Computation, vol. II) as
 * published in the public-domain JAMA EigenvalueDecomposition. Loops that walk
 * columns in JAMA are reordered to walk rows, matching the WASM kernel in
 * wasm/assembly/eigen.ts step for step.
 *
 * Returns eigenvalues in descending order and, with `wantVectors`, the
 * eigenvectors as the columns of a row-major `n x n` matrix.
 */
export function symmetricEigenJs(input: Float64Array, n: number, wantVectors: boolean) {
  const v = Float64Array.from(input.subarray(0, n * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return wantVectors ? { values: d, vectors: v } : { values: d };
  tridiagonalize(v, n, d, e);
  let w: Float64Array | undefined;
  if (wantVectors) {
    accumulate(v, n, d);
    w = transpose(v, n);
  } else {
    for (let j = 0; j < n; j++) d[j] = v[j * n + j];
  }
  e[0] = 0;
  ql(n, d, e, w);
  sortDescending(n, d, w);
  return w ? { values: d, vectors: transpose(w, n) } : { values: d };
}

// tred2, reduction part.
function tridiagonalize(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      h = householder(i, scale, d, e);
      similarity(v, n, i, h, d, e);
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
}

function householder(i: number, scale: number, d: Float64Array, e: Float64Array): number {
  let h = 0;
  for (let k = 0; k < i; k++) {
    d[k] /= scale;
    h += d[k] * d[k];
  }
  const f = d[i - 1];
  let g = Math.sqrt(h);
  if (f > 0) g = -g;
  e[i] = scale * g;
  h -= f * g;
  d[i - 1] = f - g;
  return h;
}

function similarity(v: Float64Array, n: number, i: number, h: number, d: Float64Array, e: Float64Array): void {
  e.fill(0, 0, i);
  // e = A d from the lower triangle, one row at a time.
  for (let k = 0; k < i; k++) {
    const dk = d[k];
    const row = k * n;
    v[row + i] = dk;
    let s = 0;
    for (let j = 0; j < k; j++) s += v[row + j] * d[j];
    e[k] += s + v[row + k] * dk;
    for (let j = 0; j < k; j++) e[j] += dk * v[row + j];
  }
  let f = 0;
  for (let j = 0; j < i; j++) {
    e[j] /= h;
    f += e[j] * d[j];
  }
  const hh = f / (h + h);
  for (let j = 0; j < i; j++) e[j] -= hh * d[j];
  // Rank-2 update of the lower triangle: A[k, j] -= d[j] e[k] + e[j] d[k].
  for (let k = 0; k < i; k++) {
    const dk = d[k];
    const ek = e[k];
    const row = k * n;
    for (let j = 0; j <= k; j++) v[row + j] -= d[j] * ek + e[j] * dk;
  }
}

// tred2, accumulation part.
function accumulate(v: Float64Array, n: number, d: Float64Array): void {
  const g = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
      g.fill(0, 0, i + 1);
      for (let k = 0; k <= i; k++) {
        const vk = v[k * n + i + 1];
        for (let j = 0; j <= i; j++) g[j] += vk * v[k * n + j];
      }
      for (let k = 0; k <= i; k++) {
        const dk = d[k];
        for (let j = 0; j <= i; j++) v[k * n + j] -= dk * g[j];
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j];
    v[(n - 1) * n + j] = 0;
  }
  v[n * n - 1] = 1;
}

// tql2; with `w`, rotates its rows, which hold the eigenvectors.
function ql(n: number, d: Float64Array, e: Float64Array, w: Float64Array | undefined): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    // e[n-1] is zero, so the search ends there even when tst1 is NaN.
    while (m < n - 1 && !(Math.abs(e[m]) <= EPSILON * tst1)) m++;
    if (m > l) {
      let sweeps = 0;
      do {
        if (++sweeps > MAX_SWEEPS) throw noConvergence(l);
        f += qlSweep(n, l, m, d, e, w);
      } while (Math.abs(e[l]) > EPSILON * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

const EPSILON = 2 ** -52;
// EISPACK tql2 gives up after 30 QL sweeps for one eigenvalue; allow twice that.
const MAX_SWEEPS = 60;

function qlSweep(n: number, l: number, m: number, d: Float64Array, e: Float64Array, w: Float64Array | undefined): number {
  let g = d[l];
  let p = (d[l + 1] - g) / (2 * e[l]);
  let r = Math.hypot(p, 1);
  if (p < 0) r = -r;
  d[l] = e[l] / (p + r);
  d[l + 1] = e[l] * (p + r);
  const dl1 = d[l + 1];
  let h = g - d[l];
  for (let i = l + 2; i < n; i++) d[i] -= h;
  const shift = h;

  // Chase the bulge from row m up to row l with Givens rotations.
  p = d[m];
  let c = 1;
  let c2 = 1;
  let c3 = 1;
  let s = 0;
  let s2 = 0;
  const el1 = e[l + 1];
  for (let i = m - 1; i >= l; i--) {
    c3 = c2;
    c2 = c;
    s2 = s;
    g = c * e[i];
    h = c * p;
    r = Math.hypot(p, e[i]);
    e[i + 1] = s * r;
    s = e[i] / r;
    c = p / r;
    p = c * d[i] - s * g;
    d[i + 1] = h + s * (c * g + s * d[i]);
    if (w) rotateRows(w, i * n, (i + 1) * n, n, c, s);
  }

  p = (-s * s2 * c3 * el1 * e[l]) / dl1;
  e[l] = s * p;
  d[l] = c * p;
  return shift;
}

function rotateRows(w: Float64Array, x: number, y: number, n: number, c: number, s: number): void {
  for (let k = 0; k < n; k++) {
    const xk = w[x + k];
    const yk = w[y + k];
    w[y + k] = s * xk + c * yk;
    w[x + k] = c * xk - s * yk;
  }
}

function sortDescending(n: number, d: Float64Array, w: Float64Array | undefined): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (d[j] > d[k]) k = j;
    if (k === i) continue;
    const t = d[i];
    d[i] = d[k];
    d[k] = t;
    if (!w) continue;
    for (let j = 0; j < n; j++) {
      const a = w[i * n + j];
      w[i * n + j] = w[k * n + j];
      w[k * n + j] = a;
    }
  }
}

function transpose(m: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = m[i * n + j];
  return t;
}

/** Creates the error both backends raise when QL needs more than the maximum number of sweeps. */
export function noConvergence(index: number): MadmixError {
  return new MadmixError(
    'internal',
    `The symmetric eigensolver did not converge at eigenvalue ${index} after ${MAX_SWEEPS} QL sweeps; check the matrix for NaN or infinite entries.`,
    { index },
  );
}
