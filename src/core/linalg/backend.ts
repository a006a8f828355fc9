/**
 * Dense linear algebra the mixture methods need. Matrices are row-major
 * `Float64Array`s (inputs may also be `Float32Array`); all accumulation is in
 * float64. Two implementations give the same numbers: WebAssembly with SIMD
 * (`wasm.ts`) and plain TypeScript (`js.ts`).
 */
export type Matrix = Float64Array | Float32Array;

export interface LinalgBackend {
  readonly name: 'wasm' | 'js';

  /**
   * Computes `out += X X^T` for `X` of shape `rows x cols`, so per-modality
   * kernels can be summed in place. `out` is `rows x rows` and stays symmetric.
   */
  gramRows(x: Matrix, rows: number, cols: number, out: Float64Array): void;

  /** Computes `out += X^T X` for `X` of shape `rows x cols`; `out` is `cols x cols`. */
  gramCols(x: Matrix, rows: number, cols: number, out: Float64Array): void;

  /**
   * Factors `A + shift I = L L^T` for symmetric positive definite `A` (`n x n`)
   * and returns `L` (lower triangle, row-major, upper part zero). Throws a
   * `MadmixError` with code `invalid_parameter` when the matrix is not positive definite.
   */
  cholesky(a: Float64Array, n: number, shift: number): Float64Array;

  /** Solves `L L^T Y = B` for `B` of shape `n x nrhs` (row-major) and returns `Y`. */
  choleskySolve(l: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array;

  /** Computes `y = A x` for `A` of shape `rows x cols`. */
  matVec(a: Matrix, rows: number, cols: number, x: Float64Array): Float64Array;

  /** Computes `y = A^T x` for `A` of shape `rows x cols`. */
  matTVec(a: Matrix, rows: number, cols: number, x: Float64Array): Float64Array;

  /**
   * Eigendecomposition of a symmetric `n x n` matrix: eigenvalues in
   * descending order and, when `vectors` is true, the eigenvectors as the
   * columns of a row-major `n x n` matrix.
   */
  symmetricEigen(a: Float64Array, n: number, vectors: boolean): { values: Float64Array; vectors?: Float64Array };
}
