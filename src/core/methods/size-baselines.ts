import type { StatsSet } from '../stats/types.js';
import type { MethodOutput } from './output.js';
import { domainSizes } from './params.js';
import { normalizeWeights } from './weights.js';

type SizeUnit = 'samples' | 'tokens';

/** `uniform` method: `1 / k` for every domain. */
export function uniformMethod(set: StatsSet): MethodOutput {
  const k = set.domains.length;
  return { weights: new Float64Array(k).fill(1 / k) };
}

/** `proportional` method: `p_i = n_i / sum n`. */
export function proportionalMethod(set: StatsSet, params: Record<string, unknown>): MethodOutput {
  return { weights: normalizeWeights(domainSizes(set, params.size as SizeUnit), 'proportional') };
}

/** `temperature` method: `p_i ∝ (n_i / sum n)^(1/T)`, computed as `(n_i / max n)^(1/T)`. */
export function temperatureMethod(set: StatsSet, params: Record<string, unknown>): MethodOutput {
  const sizes = domainSizes(set, params.size as SizeUnit);
  // Scaling by the largest size instead of the total gives the same proportions,
  // and the largest domain keeps weight 1 however small T is, so no weight set underflows to all zeros.
  const largest = sizes.reduce((a, b) => Math.max(a, b), 0);
  const exponent = 1 / (params.temperature as number);
  return { weights: normalizeWeights(sizes.map((n) => (n / largest) ** exponent), 'temperature') };
}

/**
 * `unimax` method (Chung et al., 2023, "UniMax: Fairer and More Effective
 * Language Sampling"): visit domains from smallest to largest, give each
 * `min(remaining budget / domains left, maxEpochs * n_i)`, then normalize the
 * allocation. Ties in size keep the input order.
 */
export function unimaxMethod(set: StatsSet, params: Record<string, unknown>): MethodOutput {
  const sizes = domainSizes(set, params.size as SizeUnit);
  const maxEpochs = params.maxEpochs as number;
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[a] - sizes[b] || a - b);
  const allocation = new Float64Array(sizes.length);
  let remaining = params.budget as number;
  order.forEach((domainIndex, position) => {
    const share = Math.min(remaining / (order.length - position), maxEpochs * sizes[domainIndex]);
    allocation[domainIndex] = share;
    remaining -= share;
  });
  const warnings =
    remaining > 1e-9 * (params.budget as number)
      ? [`The budget exceeds maxEpochs × total size by ${remaining} ${params.size}; every domain is capped at ${maxEpochs} epochs.`]
      : undefined;
  return { weights: normalizeWeights(allocation, 'unimax'), warnings };
}
