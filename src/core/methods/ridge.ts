import { MadmixError } from '../errors.js';
import type { LinalgBackend } from '../linalg/backend.js';
import { centroidBlocks, checkKernel, traceOfInverse, type ModalityBlock } from './kernel-input.js';

/**
 * Largest Gram matrix whose eigenvalues are computed for `diagnostics.spectrum`.
 * Eigenvalues of order 1024 take about 0.2 s with the WASM kernels (measured
 * on one AMD EPYC core), and this covers every problem the Worker accepts.
 */
export const SPECTRUM_MAX_ORDER = 1024;
/** At most this many eigenvalues are reported. */
export const SPECTRUM_MAX = 256;
/**
 * Largest order of the matrix that is factored (`min(k, total width)`) and
 * largest `k x total width` centroid matrix, in cells.
 * NOTE: these bounds are estimates of what fits in memory and finishes in
 * seconds; they were not measured on a memory-limited runtime.
 */
export const MAX_ORDER = 4096;
export const MAX_CELLS = 64_000_000;

/**
 * The MaD-Mix ridge problem over a selection of domains and modalities, with
 * the Gram matrix of the cheaper side already formed. Dual side: `K = sum_v X^v (X^v)^T`
 * (`k x k`). Primal side: `G = Z^T Z` (`width x width`) with `Z = [X^v1, X^v2, ...]`.
 */
export interface RidgeProblem {
  k: number;
  width: number;
  side: 'dual' | 'primal';
  blocks: ModalityBlock[];
  delta: Float64Array;
  gram: Float64Array;
  order: number;
  /** `Z` (`k x width`, row-major), primal side only. */
  z?: Float64Array;
}

export interface RidgeSolution {
  alpha: Float64Array;
  scores: Float64Array;
  /** `S^v` per block, in block order. */
  modalityScores: Float64Array[];
  effectiveDimension: number;
}

/** Builds the problem and picks the side: dual when `k <= width`, primal otherwise, so no `k x k` matrix is formed when `k` is large. */
export function buildRidgeProblem(
  blocks: ModalityBlock[],
  k: number,
  backend: LinalgBackend,
): RidgeProblem {
  const width = blocks.reduce((sum, b) => sum + b.dim, 0);
  const delta = new Float64Array(k);
  for (const block of blocks) block.present.forEach((has, i) => (delta[i] += has ? 1 : 0));
  const side = k <= width ? 'dual' : 'primal';
  const order = Math.min(k, width);
  checkProblemSize(k, width);
  if (side === 'dual') {
    const gram = new Float64Array(k * k);
    for (const block of blocks) backend.gramRows(block.rows, k, block.dim, gram);
    checkKernel(gram, k, blocks.map((b) => b.modality));
    return { k, width, side, blocks, delta, gram, order };
  }
  const z = concatColumns(blocks, k, width);
  const gram = new Float64Array(width * width);
  backend.gramCols(z, k, width, gram);
  checkKernel(gram, width, blocks.map((b) => b.modality));
  // Z holds every centroid, so the per-block copies are dropped to halve peak memory.
  const slim = blocks.map((b) => ({ ...b, rows: new Float64Array(0) }));
  return { k, width, side, blocks: slim, delta, gram, order, z };
}

/** Throws `problem_too_large` when a `k x width` problem is above MAX_ORDER or MAX_CELLS. */
export function checkProblemSize(k: number, width: number): void {
  if (Math.min(k, width) > MAX_ORDER || k * width > MAX_CELLS) {
    throw new MadmixError(
      'problem_too_large',
      `The problem has ${k} domains and total embedding width ${width}, above the limits (min(k, width) ≤ ${MAX_ORDER}, k × width ≤ ${MAX_CELLS}); merge domains or reduce the embedding width.`,
      { domains: k, width },
    );
  }
}

/** Solves for one `lambda`: `alpha = (K + lambda I)^-1 delta`, `S^v = K^v alpha`, `S = sum_v S^v`. */
export function solveRidge(problem: RidgeProblem, lambda: number, backend: LinalgBackend): RidgeSolution {
  const { k, order, gram, delta } = problem;
  const factor = backend.cholesky(gram, order, lambda);
  const effectiveDimension = order - lambda * traceOfInverse(factor, order);
  const solution = problem.side === 'dual' ? solveDual(problem, factor, backend) : solvePrimal(problem, factor, lambda, backend);
  const scores = new Float64Array(k);
  for (const sv of solution.modalityScores) for (let i = 0; i < k; i++) scores[i] += sv[i];
  return { ...solution, scores, effectiveDimension };
}

function solveDual(problem: RidgeProblem, factor: Float64Array, backend: LinalgBackend) {
  const { k, blocks, delta } = problem;
  const alpha = backend.choleskySolve(factor, k, delta, 1);
  const modalityScores = blocks.map((b) => backend.matVec(b.rows, k, b.dim, backend.matTVec(b.rows, k, b.dim, alpha)));
  return { alpha, modalityScores };
}

/**
 * Primal side: `c = (Z^T Z + lambda I)^-1 Z^T delta` and `S = Z c`. Since
 * `Z^T alpha = c`, the block `c_v` of `c` equals `(X^v)^T alpha`, so
 * `S^v = X^v c_v` without forming `alpha` first (which would lose digits to the
 * cancellation in `delta - S`).
 */
function solvePrimal(problem: RidgeProblem, factor: Float64Array, lambda: number, backend: LinalgBackend) {
  const { k, width, blocks, delta } = problem;
  const z = problem.z as Float64Array;
  const c = backend.choleskySolve(factor, width, backend.matTVec(z, k, width, delta), 1);
  const modalityScores = blocks.map(() => new Float64Array(k));
  const alpha = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let offset = 0;
    let total = 0;
    blocks.forEach((block, v) => {
      const row = i * width + offset;
      let s = 0;
      for (let col = 0; col < block.dim; col++) s += z[row + col] * c[offset + col];
      modalityScores[v][i] = s;
      total += s;
      offset += block.dim;
    });
    alpha[i] = (delta[i] - total) / lambda;
  }
  return { alpha, modalityScores };
}

function concatColumns(blocks: ModalityBlock[], k: number, width: number): Float64Array {
  const z = new Float64Array(k * width);
  let offset = 0;
  for (const block of blocks) {
    for (let i = 0; i < k; i++) z.set(block.rows.subarray(i * block.dim, (i + 1) * block.dim), i * width + offset);
    offset += block.dim;
  }
  return z;
}

/** Returns the nonzero eigenvalues of the problem's Gram matrix, descending, or undefined when it is too large to decompose. */
export function gramSpectrum(problem: RidgeProblem, backend: LinalgBackend): number[] | undefined {
  // NOTE: the eigensolver is O(n^3), so larger problems report no spectrum.
  if (problem.order > SPECTRUM_MAX_ORDER) return undefined;
  const { values } = backend.symmetricEigen(problem.gram, problem.order, false);
  const top = values.length > 0 ? values[0] : 0;
  const kept: number[] = [];
  for (const value of values) if (value > top * 1e-12 && kept.length < SPECTRUM_MAX) kept.push(value);
  return kept;
}

export { centroidBlocks };
