import { MadmixError } from '../core/errors.js';
import type { StatsSet } from '../core/stats/types.js';

/**
 * Request and problem size limits of the Worker. A Worker isolate has 128 MiB
 * of memory (Cloudflare Workers platform limit), shared by the runtime, the
 * request body, the parsed statistics and the solver's matrices.
 */
export const MIB = 1024 * 1024;

/** Maximum body of `POST /v1/mixtures` and `POST /v1/compare`, in bytes; larger sets go through `POST /v1/stats` first. */
export const MAX_INLINE_BODY_BYTES = 2 * MIB;
/** Maximum body of `POST /v1/stats`, in bytes (JSON, safetensors or multipart). */
export const MAX_UPLOAD_BODY_BYTES = 16 * MIB;
/** Maximum body of `POST /v1/stats/merge`, in bytes: a list of ids only. */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;
/** Maximum total stored size of the sets one merge reads, in bytes; bounds the merged set to what an upload may be. */
export const MAX_MERGE_INPUT_BYTES = MAX_UPLOAD_BODY_BYTES;
/** Maximum number of sets in one merge. */
export const MAX_MERGE_SETS = 16;

/** Maximum number of domains in a solved set; the dense eigendecomposition of the k x k kernel is O(k^3). */
export const MAX_DOMAINS = 512;
/** Maximum number of modalities in a solved set. */
export const MAX_MODALITIES = 8;
/** Maximum total embedding width (sum of all modality dims) of a solved set. */
export const MAX_TOTAL_WIDTH = 65_536;
/** Memory the Worker allows one solve to use, in bytes: half the isolate, leaving the rest to the runtime and the body. */
export const SOLVE_MEMORY_BUDGET_BYTES = 64 * MIB;

/** Bytes of isolate memory used to keep recently read statistics sets parsed. */
export const STATS_CACHE_BYTES = 16 * MIB;

/**
 * Estimates the peak memory of one solve, in bytes. The terms are float64
 * matrices: the sums and a centroid copy and a normalized copy (3 k W), the
 * per-modality kernels plus their sum and the factor, eigenvectors and
 * workspace of the k x k (or W x W on the primal side) system ((m + 4) s^2,
 * with s = min(k, W)).
 * NOTE: an estimate from the method's matrix sizes, not a measurement of the solver.
 */
export function estimateSolveBytes(domains: number, totalWidth: number, modalities: number): number {
  const side = Math.min(domains, totalWidth);
  return 8 * (3 * domains * totalWidth + (modalities + 4) * side * side);
}

/** Throws `problem_too_large` when `set` exceeds the limits above. */
export function checkProblemSize(set: StatsSet): void {
  const domains = set.domains.length;
  const modalities = set.modalities.length;
  const totalWidth = set.modalities.reduce((sum, m) => sum + m.dim, 0);
  const estimate = estimateSolveBytes(domains, totalWidth, modalities);
  const details = {
    domains,
    modalities,
    totalWidth,
    estimatedBytes: estimate,
    limits: {
      domains: MAX_DOMAINS,
      modalities: MAX_MODALITIES,
      totalWidth: MAX_TOTAL_WIDTH,
      memoryBytes: SOLVE_MEMORY_BUDGET_BYTES,
    },
  };
  const fail = (reason: string): never => {
    throw new MadmixError('problem_too_large', `${reason}; solve it locally with \`madmix mix\` instead.`, details);
  };
  if (domains > MAX_DOMAINS) fail(`The set has ${domains} domains, more than the limit of ${MAX_DOMAINS}`);
  if (modalities > MAX_MODALITIES) fail(`The set has ${modalities} modalities, more than the limit of ${MAX_MODALITIES}`);
  if (totalWidth > MAX_TOTAL_WIDTH) {
    fail(`The set's total embedding width is ${totalWidth}, more than the limit of ${MAX_TOTAL_WIDTH}`);
  }
  if (estimate > SOLVE_MEMORY_BUDGET_BYTES) {
    const mib = (estimate / MIB).toFixed(1);
    fail(`The solve needs an estimated ${mib} MiB, more than the limit of ${SOLVE_MEMORY_BUDGET_BYTES / MIB} MiB`);
  }
}
