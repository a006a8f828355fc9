import type { LinalgBackend } from '../linalg/backend.js';
import type { StatsSet } from '../stats/types.js';
import { MadmixError, show } from '../errors.js';
import { madmixOptions, runMadmix } from './madmix.js';
import type { MethodOutput } from './output.js';

/** Returns the indices of the domains that have statistics for `modality`. */
export function domainsWith(set: StatsSet, modality: string): number[] {
  const indices: number[] = [];
  set.domains.forEach((d, i) => {
    const stats = d.stats[modality];
    if (stats && stats.count > 0) indices.push(i);
  });
  return indices;
}

/** Lists the domains lacking `modality` in a warning, or returns undefined when none does. */
export function missingWarning(set: StatsSet, indices: number[], modality: string): string | undefined {
  const have = new Set(indices);
  const missing = set.domains.filter((_, i) => !have.has(i)).map((d) => d.name);
  if (missing.length === 0) return undefined;
  return `Domains without ${modality} statistics get weight 0: ${missing.join(', ')}.`;
}

/** Throws when no domain has `modality`. */
export function requireSome(indices: number[], modality: string): void {
  if (indices.length === 0) {
    throw new MadmixError('invalid_parameter', `No domain has statistics for modality ${show(modality)}; choose another modality.`, {
      field: 'modality',
      value: modality,
    });
  }
}

/** Spreads weights over a subset of domains back to the whole set, with 0 for the rest. */
export function expandWeights(k: number, indices: number[], weights: Float64Array): Float64Array {
  const out = new Float64Array(k);
  indices.forEach((domainIndex, j) => (out[domainIndex] = weights[j]));
  return out;
}

/** `modality` method: single-modality MaD-Mix over the domains that have the chosen modality. */
export function modalityMethod(set: StatsSet, params: Record<string, unknown>, backend: LinalgBackend): MethodOutput {
  const modality = params.modality as string;
  const indices = domainsWith(set, modality);
  requireSome(indices, modality);
  const { names: _names, ...run } = runMadmix(set, { ...madmixOptions(params), modalities: [modality], domainIndices: indices }, backend);
  const warning = missingWarning(set, indices, modality);
  return {
    ...run,
    weights: expandWeights(set.domains.length, indices, run.weights),
    warnings: warning ? [warning] : undefined,
  };
}
