// Gram matrices and matrix-vector products; T is the element type of X / A.
import { abt, dot } from './gemm';
import { axpy } from './factor';

/**
 * Computes the lower triangle of X X^T into `g` (`rows x rows`, must be
 * zeroed) and then adds g and g^T's strict lower part into `out`, so `out +=
 * X X^T` stays symmetric.
 */
export function gramRows<T>(x: usize, rows: i32, cols: i32, g: usize, out: usize): void {
  abt<T>(x, cols, x, cols, rows, rows, cols, g, rows, 1.0, true);
  addSymmetric(g, rows, out);
}

// out[i, j] += g[max(i,j), min(i,j)].
function addSymmetric(g: usize, n: i32, out: usize): void {
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = load<f64>(g + <usize>i * rowBytes + (<usize>j << 3));
      const lower = out + <usize>i * rowBytes + (<usize>j << 3);
      store<f64>(lower, load<f64>(lower) + v);
      if (j != i) {
        const upper = out + <usize>j * rowBytes + (<usize>i << 3);
        store<f64>(upper, load<f64>(upper) + v);
      }
    }
  }
}

/** Computes y = A x for A `rows x cols`. */
export function matVec<T>(a: usize, rows: i32, cols: i32, x: usize, y: usize): void {
  // Each entry is one SIMD dot product; widening f32 needs x in f64, so T only applies to A.
  for (let i = 0; i < rows; i++) {
    store<f64>(y + (<usize>i << 3), dotMixed<T>(a + <usize>i * <usize>cols * sizeof<T>(), x, cols));
  }
}

/** Computes y = A^T x for A `rows x cols`; y must be zeroed. */
export function matTVec<T>(a: usize, rows: i32, cols: i32, x: usize, y: usize): void {
  for (let i = 0; i < rows; i++) {
    const xi = load<f64>(x + (<usize>i << 3));
    if (xi == 0) continue;
    const ai = a + <usize>i * <usize>cols * sizeof<T>();
    if (sizeof<T>() == 8) {
      axpy(xi, ai, y, cols);
    } else {
      axpyWiden(xi, ai, y, cols);
    }
  }
}

// Dot product of a T row with an f64 vector.
function dotMixed<T>(a: usize, x: usize, len: i32): f64 {
  if (sizeof<T>() == 8) return dot<f64>(a, x, len);
  // Prologue: one accumulator.
  let acc = f64x2.splat(0);
  const even = len & ~1;
  // SIMD body: widen two f32 of the row per step.
  for (let p = 0; p < even; p += 2) {
    const row = f64x2.promote_low_f32x4(v128.load64_zero(a + (<usize>p << 2)));
    acc = f64x2.add(acc, f64x2.mul(row, v128.load(x + (<usize>p << 3))));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  // Scalar tail.
  if (even < len) s += <f64>load<f32>(a + (<usize>even << 2)) * load<f64>(x + (<usize>even << 3));
  return s;
}

// y += alpha * x for an f32 x and f64 y.
function axpyWiden(alpha: f64, x: usize, y: usize, len: i32): void {
  // Prologue: broadcast alpha.
  const va = f64x2.splat(alpha);
  const even = len & ~1;
  // SIMD body.
  for (let p = 0; p < even; p += 2) {
    const yo = y + (<usize>p << 3);
    const row = f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>p << 2)));
    v128.store(yo, f64x2.add(v128.load(yo), f64x2.mul(va, row)));
  }
  // Scalar tail.
  if (even < len) {
    const yo = y + (<usize>even << 3);
    store<f64>(yo, load<f64>(yo) + alpha * <f64>load<f32>(x + (<usize>even << 2)));
  }
}
