import type { StatsSet } from '../stats/types.js';
import type { Diagnostics } from './types.js';

/** Entropy, maximum entropy and the KL divergences of `weights` (set domain order), in nats. */
export function weightDiagnostics(set: StatsSet, weights: Float64Array): Pick<Diagnostics, 'entropy' | 'maxEntropy' | 'klToUniform' | 'klToProportional'> {
  const k = weights.length;
  let entropy = 0;
  for (const p of weights) if (p > 0) entropy -= p * Math.log(p);
  const maxEntropy = Math.log(k);
  const out: ReturnType<typeof weightDiagnostics> = { entropy, maxEntropy, klToUniform: Math.max(0, maxEntropy - entropy) };
  const prior = proportionalPrior(set);
  if (prior) out.klToProportional = klDivergence(weights, prior);
  return out;
}

/** Returns sample proportions when every domain has a positive sample count; otherwise undefined, because KL would be infinite or unknown. */
function proportionalPrior(set: StatsSet): Float64Array | undefined {
  const sizes = set.domains.map((d) => d.samples);
  if (!sizes.every((n) => typeof n === 'number' && Number.isFinite(n) && n > 0)) return undefined;
  const total = (sizes as number[]).reduce((a, b) => a + b, 0);
  return Float64Array.from(sizes as number[], (n) => n / total);
}

function klDivergence(p: Float64Array, q: Float64Array): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) kl += p[i] * Math.log(p[i] / q[i]);
  return Math.max(0, kl);
}

/** Computes each modality's share of `trace(K) = sum_v sum_i |x_i^v|^2`, from centroids as the kernel methods see them. */
export function modalityShare(set: StatsSet, modalities: string[], normalize: 'none' | 'l2'): Record<string, number> {
  const traces = modalities.map((modality) => {
    let trace = 0;
    for (const domain of set.domains) {
      const stats = domain.stats[modality];
      if (!stats || stats.count === 0) continue;
      if (normalize === 'l2') {
        trace += 1;
        continue;
      }
      let norm2 = 0;
      for (const s of stats.sum) norm2 += s * s;
      trace += norm2 / (stats.count * stats.count);
    }
    return trace;
  });
  const total = traces.reduce((a, b) => a + b, 0);
  const share: Record<string, number> = {};
  modalities.forEach((m, v) => (share[m] = total > 0 ? traces[v] / total : 0));
  return share;
}
