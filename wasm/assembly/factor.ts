// Cholesky factorization and triangular solves on row-major f64 matrices.
import { abt, dot } from './gemm';

// Column block width of the blocked Cholesky: the panel update (most of the
// work) runs through the cache-blocked A B^T kernel, the rest is O(n^2 NB).
const NB: i32 = 64;

let failedPivot: f64 = 0;

/** Returns the pivot value at which the last `cholesky` call stopped. */
export function lastPivot(): f64 {
  return failedPivot;
}

/**
 * Factors the symmetric matrix at `l` (`n x n`, lower triangle read, shift
 * already on the diagonal) in place into L with A = L L^T, and zeroes the
 * upper triangle. Returns -1 on success, or the row whose pivot was not
 * positive (the pivot is then available from `lastPivot`).
 */
export function cholesky(l: usize, n: i32): i32 {
  const rowBytes = <usize>n << 3;
  for (let j0 = 0; j0 < n; j0 += NB) {
    const jb = min(NB, n - j0);
    const panel = l + <usize>j0 * rowBytes;
    // Panel update: L[j0:, J] -= L[j0:, 0:j0] L[J, 0:j0]^T.
    abt<f64>(panel, n, panel, n, n - j0, jb, j0, panel + (<usize>j0 << 3), n, -1.0, false);
    // Diagonal block, row by row, with dot products over the columns of J already done.
    for (let i = j0; i < j0 + jb; i++) {
      if (finishRow(l, rowBytes, i, j0, i, true)) return i;
    }
    // Rows below the diagonal block: columns of J only.
    for (let i = j0 + jb; i < n; i++) finishRow(l, rowBytes, i, j0, j0 + jb, false);
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) store<f64>(l + <usize>i * rowBytes + (<usize>j << 3), 0);
  }
  return -1;
}

// Completes L[i, j0:jEnd] from the panel-updated values and, with `diagonal`
// (then jEnd == i), L[i, i]. Returns true when that pivot is not positive.
function finishRow(l: usize, rowBytes: usize, i: i32, j0: i32, jEnd: i32, diagonal: bool): bool {
  const li = l + <usize>i * rowBytes;
  for (let j = j0; j < jEnd; j++) {
    const lj = l + <usize>j * rowBytes;
    const ptr = li + (<usize>j << 3);
    const s = load<f64>(ptr) - dot<f64>(li + (<usize>j0 << 3), lj + (<usize>j0 << 3), j - j0);
    store<f64>(ptr, s / load<f64>(lj + (<usize>j << 3)));
  }
  if (!diagonal) return false;
  const ptr = li + (<usize>i << 3);
  const s = load<f64>(ptr) - dot<f64>(li + (<usize>j0 << 3), li + (<usize>j0 << 3), i - j0);
  if (!(s > 0)) {
    failedPivot = s;
    return true;
  }
  store<f64>(ptr, Math.sqrt(s));
  return false;
}

/**
 * Solves L L^T y = b in place for each of `nrhs` right-hand sides stored one
 * after another (rhs-major, each of length n) at `y`.
 */
export function choleskySolve(l: usize, n: i32, y: usize, nrhs: i32): void {
  for (let r = 0; r < nrhs; r++) {
    const yr = y + <usize>r * (<usize>n << 3);
    forward(l, n, yr);
    backward(l, n, yr);
  }
}

// L z = b: each z[i] is one dot product with the contiguous row L[i, 0:i].
function forward(l: usize, n: i32, y: usize): void {
  for (let i = 0; i < n; i++) {
    const li = l + <usize>i * (<usize>n << 3);
    const yi = y + (<usize>i << 3);
    store<f64>(yi, (load<f64>(yi) - dot<f64>(li, y, i)) / load<f64>(li + (<usize>i << 3)));
  }
}

// L^T y = z, column-oriented so that row L[i, 0:i] is read contiguously.
function backward(l: usize, n: i32, y: usize): void {
  for (let i = n - 1; i >= 0; i--) {
    const li = l + <usize>i * (<usize>n << 3);
    const yiPtr = y + (<usize>i << 3);
    const yi = load<f64>(yiPtr) / load<f64>(li + (<usize>i << 3));
    store<f64>(yiPtr, yi);
    axpy(-yi, li, y, i);
  }
}

/** Computes y[0:len] += alpha * x[0:len] for f64 vectors. */
export function axpy(alpha: f64, x: usize, y: usize, len: i32): void {
  // Prologue: broadcast alpha.
  const va = f64x2.splat(alpha);
  const even = len & ~1;
  // SIMD body.
  for (let p = 0; p < even; p += 2) {
    const off = <usize>p << 3;
    v128.store(y + off, f64x2.add(v128.load(y + off), f64x2.mul(va, v128.load(x + off))));
  }
  // Scalar tail.
  if (even < len) {
    const off = <usize>even << 3;
    store<f64>(y + off, load<f64>(y + off) + alpha * load<f64>(x + off));
  }
}
