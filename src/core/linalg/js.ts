import type { LinalgBackend, Matrix } from './backend.js';
import { symmetricEigenJs } from './eigen.js';
import { notPositiveDefinite } from './errors.js';
import { gramRowsJs } from './gram-js.js';

/** Plain TypeScript linear algebra: the reference the WASM kernels are tested against. */
export const jsBackend: LinalgBackend = {
  name: 'js',

  gramRows(x: Matrix, rows: number, cols: number, out: Float64Array): void {
    gramRowsJs(x, rows, cols, out);
  },

  gramCols(x: Matrix, rows: number, cols: number, out: Float64Array): void {
    const upper = new Float64Array(cols * cols);
    for (let r = 0; r < rows; r++) {
      const xr = r * cols;
      for (let a = 0; a < cols; a++) {
        const va = x[xr + a];
        if (va === 0) continue;
        const row = a * cols;
        for (let b = a; b < cols; b++) upper[row + b] += va * x[xr + b];
      }
    }
    for (let a = 0; a < cols; a++) {
      for (let b = a; b < cols; b++) {
        const v = upper[a * cols + b];
        out[a * cols + b] += v;
        if (a !== b) out[b * cols + a] += v;
      }
    }
  },

  cholesky(a: Float64Array, n: number, shift: number): Float64Array {
    const l = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i * n + j] + (i === j ? shift : 0);
        for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
        if (i === j) {
          if (!(s > 0)) throw notPositiveDefinite(i, s);
          l[i * n + i] = Math.sqrt(s);
        } else {
          l[i * n + j] = s / l[j * n + j];
        }
      }
    }
    return l;
  },

  choleskySolve(l: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
    const y = Float64Array.from(b);
    // Forward substitution: L Z = B.
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < i; p++) {
        const lip = l[i * n + p];
        if (lip === 0) continue;
        for (let r = 0; r < nrhs; r++) y[i * nrhs + r] -= lip * y[p * nrhs + r];
      }
      const d = l[i * n + i];
      for (let r = 0; r < nrhs; r++) y[i * nrhs + r] /= d;
    }
    // Back substitution: L^T Y = Z.
    for (let i = n - 1; i >= 0; i--) {
      for (let p = i + 1; p < n; p++) {
        const lpi = l[p * n + i];
        if (lpi === 0) continue;
        for (let r = 0; r < nrhs; r++) y[i * nrhs + r] -= lpi * y[p * nrhs + r];
      }
      const d = l[i * n + i];
      for (let r = 0; r < nrhs; r++) y[i * nrhs + r] /= d;
    }
    return y;
  },

  matVec(a: Matrix, rows: number, cols: number, x: Float64Array): Float64Array {
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      const ai = i * cols;
      for (let c = 0; c < cols; c++) s += a[ai + c] * x[c];
      y[i] = s;
    }
    return y;
  },

  matTVec(a: Matrix, rows: number, cols: number, x: Float64Array): Float64Array {
    const y = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const ai = i * cols;
      for (let c = 0; c < cols; c++) y[c] += a[ai + c] * xi;
    }
    return y;
  },

  symmetricEigen(a: Float64Array, n: number, vectors: boolean) {
    return symmetricEigenJs(a, n, vectors);
  },
};
