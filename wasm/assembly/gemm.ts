// C += alpha * A B^T for row-major A (m x len) and B (n x len) whose rows are
// contiguous: the dot-product form shared by the Gram kernels and the
// blocked Cholesky update. Elements of A and B are f64 or f32 (T); sums are f64.

// NOTE: base WebAssembly SIMD has 128-bit vectors and no fused multiply-add,
// so one f64x2 multiply and add do 4 flops where one AVX2 FMA does 8. Expect
// at most about half of single-thread OpenBLAS throughput from this kernel.

// Cache blocking: a KC-long slice of MC + NC rows (2 x 64 x 256 x 8 = 256 KiB
// for f64) stays in L2 while the 4 x 2 register blocks sweep over it.
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 64;

// Loads two consecutive elements as f64x2, widening f32 input.
@inline function load2<T>(ptr: usize): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(ptr));
  return v128.load(ptr);
}

@inline function load1<T>(ptr: usize): f64 {
  return <f64>load<T>(ptr);
}

@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

@inline function addTo(c: usize, value: f64): void {
  store<f64>(c, load<f64>(c) + value);
}

// 4 rows of A times 2 rows of B over `len` elements: 8 f64x2 accumulators.
function micro4x2<T>(a: usize, lda: usize, b: usize, ldb: usize, len: i32, c: usize, ldc: usize, alpha: f64): void {
  // Prologue: row pointers and zeroed accumulators.
  const a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
  const b0 = b, b1 = b + ldb;
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const even = len & ~1;

  // SIMD body: two elements per row per step, 6 loads feed 8 multiply-adds.
  for (let p = 0; p < even; p += 2) {
    const off = <usize>p * sizeof<T>();
    const x0 = load2<T>(b0 + off), x1 = load2<T>(b1 + off);
    let r = load2<T>(a0 + off);
    c00 = f64x2.add(c00, f64x2.mul(r, x0)); c01 = f64x2.add(c01, f64x2.mul(r, x1));
    r = load2<T>(a1 + off);
    c10 = f64x2.add(c10, f64x2.mul(r, x0)); c11 = f64x2.add(c11, f64x2.mul(r, x1));
    r = load2<T>(a2 + off);
    c20 = f64x2.add(c20, f64x2.mul(r, x0)); c21 = f64x2.add(c21, f64x2.mul(r, x1));
    r = load2<T>(a3 + off);
    c30 = f64x2.add(c30, f64x2.mul(r, x0)); c31 = f64x2.add(c31, f64x2.mul(r, x1));
  }

  let s00 = hsum(c00), s01 = hsum(c01), s10 = hsum(c10), s11 = hsum(c11);
  let s20 = hsum(c20), s21 = hsum(c21), s30 = hsum(c30), s31 = hsum(c31);
  // Scalar tail: the last element when `len` is odd.
  if (even < len) {
    const off = <usize>even * sizeof<T>();
    const x0 = load1<T>(b0 + off), x1 = load1<T>(b1 + off);
    let r = load1<T>(a0 + off); s00 += r * x0; s01 += r * x1;
    r = load1<T>(a1 + off); s10 += r * x0; s11 += r * x1;
    r = load1<T>(a2 + off); s20 += r * x0; s21 += r * x1;
    r = load1<T>(a3 + off); s30 += r * x0; s31 += r * x1;
  }

  addTo(c, alpha * s00); addTo(c + 8, alpha * s01);
  c += ldc; addTo(c, alpha * s10); addTo(c + 8, alpha * s11);
  c += ldc; addTo(c, alpha * s20); addTo(c + 8, alpha * s21);
  c += ldc; addTo(c, alpha * s30); addTo(c + 8, alpha * s31);
}

// 1 row of A times 2 rows of B: used for leftover rows.
function micro1x2<T>(a: usize, b: usize, ldb: usize, len: i32, c: usize, alpha: f64): void {
  // Prologue: two accumulators.
  const b1 = b + ldb;
  let c0 = f64x2.splat(0), c1 = f64x2.splat(0);
  const even = len & ~1;
  // SIMD body.
  for (let p = 0; p < even; p += 2) {
    const off = <usize>p * sizeof<T>();
    const r = load2<T>(a + off);
    c0 = f64x2.add(c0, f64x2.mul(r, load2<T>(b + off)));
    c1 = f64x2.add(c1, f64x2.mul(r, load2<T>(b1 + off)));
  }
  let s0 = hsum(c0), s1 = hsum(c1);
  // Scalar tail.
  if (even < len) {
    const off = <usize>even * sizeof<T>();
    const r = load1<T>(a + off);
    s0 += r * load1<T>(b + off);
    s1 += r * load1<T>(b1 + off);
  }
  addTo(c, alpha * s0);
  addTo(c + 8, alpha * s1);
}

/** Returns the dot product of `len` elements at `a` and `b`. */
export function dot<T>(a: usize, b: usize, len: i32): f64 {
  // Prologue: two accumulators hide the add latency.
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  const by4 = len & ~3;
  // SIMD body: four elements per step.
  for (let p = 0; p < by4; p += 4) {
    const off = <usize>p * sizeof<T>();
    acc0 = f64x2.add(acc0, f64x2.mul(load2<T>(a + off), load2<T>(b + off)));
    acc1 = f64x2.add(acc1, f64x2.mul(load2<T>(a + off + 2 * sizeof<T>()), load2<T>(b + off + 2 * sizeof<T>())));
  }
  let s = hsum(f64x2.add(acc0, acc1));
  // Scalar tail: up to three elements.
  for (let p = by4; p < len; p++) {
    const off = <usize>p * sizeof<T>();
    s += load1<T>(a + off) * load1<T>(b + off);
  }
  return s;
}

// One cache block: rows [i0, i0 + im) of A against rows [j0, j0 + jn) of B.
function block<T>(
  a: usize, lda: usize, b: usize, ldb: usize, len: i32, c: usize, ldc: usize,
  i0: i32, im: i32, j0: i32, jn: i32, alpha: f64, lowerOnly: bool,
): void {
  const iEnd = i0 + im, jEnd = j0 + jn;
  let i = i0;
  for (; i + 4 <= iEnd; i += 4) {
    const ai = a + <usize>i * lda;
    // Lower-only mode stops at the first pair entirely right of the diagonal.
    const jStop = lowerOnly ? min(jEnd, i + 4) : jEnd;
    let j = j0;
    for (; j + 2 <= jStop; j += 2) {
      micro4x2<T>(ai, lda, b + <usize>j * ldb, ldb, len, c + <usize>i * ldc + (<usize>j << 3), ldc, alpha);
    }
    if (j < jStop) {
      for (let r = 0; r < 4; r++) {
        const cij = c + <usize>(i + r) * ldc + (<usize>j << 3);
        addTo(cij, alpha * dot<T>(ai + <usize>r * lda, b + <usize>j * ldb, len));
      }
    }
  }
  for (; i < iEnd; i++) {
    const ai = a + <usize>i * lda;
    const jStop = lowerOnly ? min(jEnd, i + 1) : jEnd;
    let j = j0;
    for (; j + 2 <= jStop; j += 2) {
      micro1x2<T>(ai, b + <usize>j * ldb, ldb, len, c + <usize>i * ldc + (<usize>j << 3), alpha);
    }
    if (j < jStop) addTo(c + <usize>i * ldc + (<usize>j << 3), alpha * dot<T>(ai, b + <usize>j * ldb, len));
  }
}

/**
 * Computes C += alpha * A B^T with A `m x len`, B `n x len` (strides `lda`,
 * `ldb` in elements) and C `m x n` f64 (stride `ldc`). With `lowerOnly`,
 * entries with column > row + 3 may be skipped, so only C's lower triangle is
 * guaranteed (A and B are then the same matrix).
 */
export function abt<T>(
  a: usize, lda: i32, b: usize, ldb: i32, m: i32, n: i32, len: i32,
  c: usize, ldc: i32, alpha: f64, lowerOnly: bool,
): void {
  const ldaBytes = <usize>lda * sizeof<T>(), ldbBytes = <usize>ldb * sizeof<T>(), ldcBytes = <usize>ldc << 3;
  for (let p0 = 0; p0 < len; p0 += KC) {
    const pl = min(KC, len - p0);
    const ap = a + <usize>p0 * sizeof<T>(), bp = b + <usize>p0 * sizeof<T>();
    for (let i0 = 0; i0 < m; i0 += MC) {
      const im = min(MC, m - i0);
      for (let j0 = 0; j0 < n; j0 += NC) {
        if (lowerOnly && j0 >= i0 + im) break;
        block<T>(ap, ldaBytes, bp, ldbBytes, pl, c, ldcBytes, i0, im, j0, min(NC, n - j0), alpha, lowerOnly);
      }
    }
  }
}
