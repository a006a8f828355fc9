import type { Matrix } from './backend.js';

// Cache blocking: a 256-column slice of two 64-row panels (2 x 128 KiB in
// float64) stays in L2 while the dot products sweep over it.
const COLUMN_BLOCK = 256;
const ROW_BLOCK = 64;

/** Computes `out += X X^T` (`X` is `rows x cols`), building the lower triangle first and mirroring it. */
export function gramRowsJs(x: Matrix, rows: number, cols: number, out: Float64Array): void {
  const lower = new Float64Array(rows * rows);
  for (let c0 = 0; c0 < cols; c0 += COLUMN_BLOCK) {
    const c1 = Math.min(cols, c0 + COLUMN_BLOCK);
    for (let i0 = 0; i0 < rows; i0 += ROW_BLOCK) {
      const i1 = Math.min(rows, i0 + ROW_BLOCK);
      for (let j0 = 0; j0 < i1; j0 += ROW_BLOCK) {
        gramBlock(x, rows, cols, lower, c0, c1, i0, i1, j0, Math.min(i1, j0 + ROW_BLOCK));
      }
    }
  }
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j <= i; j++) {
      const v = lower[i * rows + j];
      out[i * rows + j] += v;
      if (j !== i) out[j * rows + i] += v;
    }
  }
}

function gramBlock(
  x: Matrix, rows: number, cols: number, lower: Float64Array,
  c0: number, c1: number, i0: number, i1: number, j0: number, j1: number,
): void {
  for (let i = i0; i < i1; i++) {
    const xi = i * cols;
    const jEnd = Math.min(j1, i + 1);
    for (let j = j0; j < jEnd; j++) {
      const xj = j * cols;
      // Two partial sums shorten the floating-point add dependency chain.
      let s0 = 0;
      let s1 = 0;
      let c = c0;
      for (; c + 1 < c1; c += 2) {
        s0 += x[xi + c] * x[xj + c];
        s1 += x[xi + c + 1] * x[xj + c + 1];
      }
      if (c < c1) s0 += x[xi + c] * x[xj + c];
      lower[i * rows + j] += s0 + s1;
    }
  }
}
