import { MadmixError } from '../errors.js';
import type { LinalgBackend } from '../linalg/backend.js';
import type { StatsSet } from '../stats/types.js';
import { madmixOptions, runMadmix } from './madmix.js';
import type { MethodOutput } from './output.js';
import { domainsWith, expandWeights } from './single-modality.js';
import { byName, normalizeWeights } from './weights.js';

/**
 * `avg` method: the mean of single-modality MaD-Mix weights, one run per
 * modality over the domains that have it. A domain lacking a modality gets 0
 * from that modality's run, so a text-only domain only collects the text run's
 * share. Each run's weights sum to 1, hence so does their mean.
 */
export function avgMethod(set: StatsSet, params: Record<string, unknown>, backend: LinalgBackend): MethodOutput {
  const k = set.domains.length;
  const names = set.domains.map((d) => d.name);
  const components: Record<string, Record<string, number>> = {};
  const sum = new Float64Array(k);
  let runs = 0;
  for (const { name: modality } of set.modalities) {
    const indices = domainsWith(set, modality);
    // A modality no domain has contributes nothing, so it is left out of the mean.
    if (indices.length === 0) continue;
    const run = runMadmix(set, { ...madmixOptions(params), modalities: [modality], domainIndices: indices, skipSpectrum: true }, backend);
    const weights = expandWeights(k, indices, run.weights);
    components[modality] = byName(names, weights);
    for (let i = 0; i < k; i++) sum[i] += weights[i];
    runs++;
  }
  if (runs === 0) {
    throw new MadmixError('invalid_stats', 'No domain has statistics for any modality; add embedding statistics to the set.');
  }
  return {
    weights: normalizeWeights(sum.map((w) => w / runs), 'avg'),
    components,
  };
}
