import { MadmixError } from '../errors.js';
import type { LinalgBackend, Matrix } from './backend.js';
import { noConvergence } from './eigen.js';
import { notPositiveDefinite } from './errors.js';
import { type KernelExports, WasmArena } from './wasm-memory.js';

/** The WASM-SIMD backend, plus the size of its memory for leak checks. */
export interface WasmBackend extends LinalgBackend {
  readonly name: 'wasm';
  /** Current size of the module's linear memory in bytes. */
  memoryBytes(): number;
}

/**
 * Instantiates kernels.wasm synchronously and wraps it as a LinalgBackend
 * giving the same results as `jsBackend` up to rounding (about 1e-12
 * relative). Takes a compiled module because workerd cannot compile
 * WebAssembly from bytes at run time. Calls are not reentrant: each one
 * resets the module's allocator.
 */
export function createWasmBackend(module: WebAssembly.Module): WasmBackend {
  const instance = new WebAssembly.Instance(module, { env: { abort: abortKernel } });
  const kernels = instance.exports as unknown as KernelExports;
  const arena = new WasmArena(kernels);

  // Runs one call and frees its buffers, also when it throws.
  function session<T>(body: () => T): T {
    try {
      return body();
    } finally {
      arena.release();
    }
  }

  function copyIn(ptr: number, data: Matrix, length: number): void {
    const source = data.subarray(0, length);
    if (data instanceof Float32Array) arena.f32(ptr, length).set(source);
    else arena.f64(ptr, length).set(source);
  }

  // Gram of rows: out (n x n) += X X^T where `fill` writes X (n x cols) at its pointer.
  function gram(problem: string, f32: boolean, n: number, cols: number, out: Float64Array, fill: (ptr: number) => void): void {
    if (n === 0) return;
    const elementBytes = f32 ? 4 : 8;
    const [px, pg, po] = arena.reserve(problem, [n * cols * elementBytes, n * n * 8, n * n * 8]);
    fill(px);
    arena.f64(pg, n * n).fill(0);
    arena.f64(po, n * n).set(out.subarray(0, n * n));
    if (f32) kernels.gramRows32(px, n, cols, pg, po);
    else kernels.gramRows64(px, n, cols, pg, po);
    out.set(arena.f64(po, n * n));
  }

  return {
    name: 'wasm',

    memoryBytes: () => arena.bytes(),

    gramRows(x, rows, cols, out) {
      session(() =>
        gram(`Gram matrix of a ${rows} x ${cols} matrix`, x instanceof Float32Array, rows, cols, out, (ptr) =>
          copyIn(ptr, x, rows * cols),
        ),
      );
    },

    gramCols(x, rows, cols, out) {
      const f32 = x instanceof Float32Array;
      session(() =>
        gram(`Gram matrix X^T X of a ${rows} x ${cols} matrix`, f32, cols, rows, out, (ptr) => {
          const target = f32 ? arena.f32(ptr, rows * cols) : arena.f64(ptr, rows * cols);
          transposeInto(x, rows, cols, target);
        }),
      );
    },

    cholesky(a, n, shift) {
      return session(() => {
        const [pl] = arena.reserve(`Cholesky factorization of a ${n} x ${n} matrix`, [n * n * 8]);
        const l = arena.f64(pl, n * n);
        l.set(a.subarray(0, n * n));
        for (let i = 0; i < n; i++) l[i * n + i] += shift;
        const failedRow = kernels.cholesky(pl, n);
        if (failedRow >= 0) throw notPositiveDefinite(failedRow, kernels.lastPivot());
        return arena.f64(pl, n * n).slice();
      });
    },

    choleskySolve(l, n, b, nrhs) {
      return session(() => {
        const problem = `Cholesky solve with a ${n} x ${n} factor and ${nrhs} right-hand sides`;
        const [pl, py] = arena.reserve(problem, [n * n * 8, n * nrhs * 8]);
        arena.f64(pl, n * n).set(l.subarray(0, n * n));
        // The kernel wants each right-hand side contiguous, so B goes in transposed.
        transposeInto(b, n, nrhs, arena.f64(py, n * nrhs));
        kernels.choleskySolve(pl, n, py, nrhs);
        const y = new Float64Array(n * nrhs);
        transposeInto(arena.f64(py, n * nrhs), nrhs, n, y);
        return y;
      });
    },

    matVec(a, rows, cols, x) {
      return session(() => {
        const f32 = a instanceof Float32Array;
        const problem = `matrix-vector product with a ${rows} x ${cols} matrix`;
        const [pa, px, py] = arena.reserve(problem, [rows * cols * (f32 ? 4 : 8), cols * 8, rows * 8]);
        copyIn(pa, a, rows * cols);
        arena.f64(px, cols).set(x.subarray(0, cols));
        if (f32) kernels.matVec32(pa, rows, cols, px, py);
        else kernels.matVec64(pa, rows, cols, px, py);
        return arena.f64(py, rows).slice();
      });
    },

    matTVec(a, rows, cols, x) {
      return session(() => {
        const f32 = a instanceof Float32Array;
        const problem = `transposed matrix-vector product with a ${rows} x ${cols} matrix`;
        const [pa, px, py] = arena.reserve(problem, [rows * cols * (f32 ? 4 : 8), rows * 8, cols * 8]);
        copyIn(pa, a, rows * cols);
        arena.f64(px, rows).set(x.subarray(0, rows));
        arena.f64(py, cols).fill(0);
        if (f32) kernels.matTVec32(pa, rows, cols, px, py);
        else kernels.matTVec64(pa, rows, cols, px, py);
        return arena.f64(py, cols).slice();
      });
    },

    symmetricEigen(a, n, vectors) {
      return session(() => {
        const problem = `eigendecomposition of a ${n} x ${n} matrix`;
        const square = n * n * 8;
        const [pv, pd, pe, pg, pw] = arena.reserve(problem, [square, n * 8, n * 8, n * 8, vectors ? square : 0]);
        arena.f64(pv, n * n).set(a.subarray(0, n * n));
        const failedAt = kernels.symmetricEigen(pv, n, pd, pe, pg, pw, vectors ? 1 : 0);
        if (failedAt >= 0) throw noConvergence(failedAt);
        const values = arena.f64(pd, n).slice();
        return vectors ? { values, vectors: arena.f64(pv, n * n).slice() } : { values };
      });
    },
  };
}

/** Writes the transpose of `source` (`rows x cols`) into `target` (`cols x rows`), in cache-sized tiles. */
function transposeInto(source: Matrix, rows: number, cols: number, target: Float64Array | Float32Array): void {
  const tile = 32;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const rEnd = Math.min(rows, r0 + tile);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const cEnd = Math.min(cols, c0 + tile);
      for (let r = r0; r < rEnd; r++) {
        for (let c = c0; c < cEnd; c++) target[c * rows + r] = source[r * cols + c];
      }
    }
  }
}

// AssemblyScript calls env.abort on a failed assertion; release builds have none, so this is a safeguard.
function abortKernel(_message: number, _file: number, line: number, column: number): never {
  throw new MadmixError('internal', `A WebAssembly kernel aborted at line ${line}, column ${column}.`, { line, column });
}
