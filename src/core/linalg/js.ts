import { MadmixError } from '../errors.js';
import type { LinalgBackend, Matrix } from './backend.js';

/** Plain TypeScript linear algebra: the reference the WASM kernels are tested against. */
export const jsBackend: LinalgBackend = {
  name: 'js',

  gramRows(x: Matrix, rows: number, cols: number, out: Float64Array): void {
    for (let i = 0; i < rows; i++) {
      const xi = i * cols;
      for (let j = 0; j <= i; j++) {
        const xj = j * cols;
        let s = 0;
        for (let c = 0; c < cols; c++) s += x[xi + c] * x[xj + c];
        out[i * rows + j] += s;
        if (j !== i) out[j * rows + i] += s;
      }
    }
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
    return jacobiEigen(a, n, vectors);
  },
};

function notPositiveDefinite(index: number, pivot: number): MadmixError {
  return new MadmixError(
    'invalid_parameter',
    `The kernel plus lambda * I is not positive definite (pivot ${pivot} at row ${index}); use a larger lambda.`,
    { row: index, pivot },
  );
}

/**
 * Cyclic Jacobi eigenvalue iteration (Golub and Van Loan, Matrix Computations,
 * section 8.5). Slow for large `n` but simple and accurate to machine precision.
 */
function jacobiEigen(input: Float64Array, n: number, wantVectors: boolean) {
  const a = Float64Array.from(input);
  const v = wantVectors ? identity(n) : undefined;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30 * Math.max(1, frobeniusSquared(a))) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(a, n, p, q, c, s);
        if (v) {
          for (let r = 0; r < n; r++) {
            const vrp = v[r * n + p];
            const vrq = v[r * n + q];
            v[r * n + p] = c * vrp - s * vrq;
            v[r * n + q] = s * vrp + c * vrq;
          }
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  if (!v) return { values };
  const sorted = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) sorted[r * n + c] = v[r * n + order[c]];
  return { values, vectors: sorted };
}

/** Applies the rotation `J^T A J` in the (p, q) plane to a symmetric matrix in place. */
function rotate(a: Float64Array, n: number, p: number, q: number, c: number, s: number): void {
  for (let r = 0; r < n; r++) {
    const arp = a[r * n + p];
    const arq = a[r * n + q];
    a[r * n + p] = c * arp - s * arq;
    a[r * n + q] = s * arp + c * arq;
  }
  for (let r = 0; r < n; r++) {
    const apr = a[p * n + r];
    const aqr = a[q * n + r];
    a[p * n + r] = c * apr - s * aqr;
    a[q * n + r] = s * apr + c * aqr;
  }
}

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

function frobeniusSquared(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}
