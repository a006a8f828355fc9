import { MadmixError, show } from '../errors.js';
import type { StatsSet } from '../stats/types.js';

/** Centroids of one modality as a `k x dim` row-major matrix; rows of domains lacking it are zero. */
export interface ModalityBlock {
  modality: string;
  dim: number;
  rows: Float64Array;
  /** `present[i]` is true when domain `i` of the selection has this modality. */
  present: boolean[];
}

/**
 * Builds the centroid matrices of `modalities` over the domains at `domainIndices`.
 * A domain lacks a modality when it has no statistics for it or a count of 0.
 * With `normalize = 'l2'` every present centroid is scaled to unit norm.
 */
export function centroidBlocks(
  set: StatsSet,
  modalities: string[],
  domainIndices: number[],
  normalize: 'none' | 'l2',
): ModalityBlock[] {
  return modalities.map((modality) => {
    const info = set.modalities.find((m) => m.name === modality);
    if (!info) throw new MadmixError('unknown_modality', `Unknown modality ${show(modality)}.`, { modality });
    const dim = info.dim;
    const rows = new Float64Array(domainIndices.length * dim);
    const present = domainIndices.map((domainIndex, row) => {
      const domain = set.domains[domainIndex];
      const stats = domain.stats[modality];
      if (!stats || stats.count === 0) return false;
      writeCentroid(rows, row * dim, dim, domain.name, modality, stats.count, stats.sum, normalize);
      return true;
    });
    return { modality, dim, rows, present };
  });
}

function writeCentroid(
  out: Float64Array,
  offset: number,
  dim: number,
  domain: string,
  modality: string,
  count: number,
  sum: ArrayLike<number>,
  normalize: 'none' | 'l2',
): void {
  if (!(count > 0) || !Number.isFinite(count) || sum.length !== dim) {
    throw new MadmixError(
      'invalid_stats',
      `Domain ${show(domain)} has invalid ${modality} statistics (count ${show(count)}, sum length ${sum.length}, expected dim ${dim}); recompute them.`,
      { domain, modality },
    );
  }
  let norm2 = 0;
  for (let c = 0; c < dim; c++) {
    const value = sum[c] / count;
    if (!Number.isFinite(value)) {
      throw new MadmixError(
        'invalid_stats',
        `Domain ${show(domain)} has a non-finite ${modality} centroid value at index ${c}; recompute its statistics.`,
        { domain, modality, index: c },
      );
    }
    out[offset + c] = value;
    norm2 += value * value;
  }
  if (normalize === 'none') {
    if (!Number.isFinite(norm2)) throw overflow(domain, modality);
    return;
  }
  // Squares of values near 1e155 and above overflow; the norm of the scaled row does not.
  if (!Number.isFinite(norm2)) norm2 = scaledNorm2(out, offset, dim);
  if (!(norm2 > 0)) {
    throw new MadmixError(
      'invalid_stats',
      `Domain ${show(domain)} has a zero ${modality} centroid, which normalize=l2 cannot scale to unit norm; use normalize=none or fix its statistics.`,
      { domain, modality },
    );
  }
  const scale = 1 / Math.sqrt(norm2);
  for (let c = 0; c < dim; c++) out[offset + c] *= scale;
}

/** Divides the row `out[offset .. offset + dim)` by its largest absolute value in place and returns its new squared norm. */
function scaledNorm2(out: Float64Array, offset: number, dim: number): number {
  let max = 0;
  for (let c = 0; c < dim; c++) max = Math.max(max, Math.abs(out[offset + c]));
  let norm2 = 0;
  for (let c = 0; c < dim; c++) {
    out[offset + c] /= max;
    norm2 += out[offset + c] * out[offset + c];
  }
  return norm2;
}

/** Builds the error for a centroid or kernel entry beyond float64, which would make the factorization fail with NaN pivots. */
export function overflow(domain: string, modality: string): MadmixError {
  return new MadmixError(
    'invalid_stats',
    `Domain ${show(domain)} has a centroid of modality ${show(modality)} whose squared norm overflows float64; rescale the embeddings (divide every sum by the same factor) or use normalize: l2.`,
    { domain, modality },
  );
}

/**
 * Throws `invalid_stats` when a kernel entry is not finite: centroids whose
 * norms fit in float64 can still overflow once summed over modalities or
 * centered, and the Cholesky factorization would then fail with a NaN pivot.
 */
export function checkKernel(gram: Float64Array, order: number, modalities: string[]): void {
  for (let i = 0; i < gram.length; i++) {
    if (!Number.isFinite(gram[i])) {
      const row = Math.floor(i / order);
      throw new MadmixError(
        'invalid_stats',
        `The kernel of modalities ${modalities.join(', ')} has a non-finite entry at row ${row}, because the centroids are too large for float64; rescale the embeddings (divide every sum by the same factor) or use normalize: l2.`,
        { modalities, row },
      );
    }
  }
}

/** Returns `trace((L L^T)^-1)` from a Cholesky factor `L` (`n x n`, row-major) by inverting `L` column by column. */
export function traceOfInverse(l: Float64Array, n: number): number {
  const y = new Float64Array(n);
  let total = 0;
  for (let j = 0; j < n; j++) {
    // Column j of L^-1: forward substitution on e_j, which is zero above row j.
    y[j] = 1 / l[j * n + j];
    total += y[j] * y[j];
    for (let i = j + 1; i < n; i++) {
      const li = i * n;
      let s = 0;
      for (let p = j; p < i; p++) s += l[li + p] * y[p];
      y[i] = -s / l[li + i];
      total += y[i] * y[i];
    }
  }
  return total;
}
