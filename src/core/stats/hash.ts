import { MadmixError, show } from '../errors.js';
import { statsToSafetensors } from './safetensors-write.js';
import type { ModalityStats, StatsSet } from './types.js';

/**
 * Returns the SHA-256 (lowercase hex) of the canonical safetensors encoding.
 * Domain order is part of the hash, but meta key order is not. Throws what
 * `statsToSafetensors` throws for an invalid set.
 */
export async function hashStats(set: StatsSet): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', statsToSafetensors(set));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Computes the mean embedding `sum / count`. Throws `invalid_stats` when count is not positive. */
export function centroid(ms: ModalityStats): Float64Array {
  if (!(ms.count > 0)) {
    throw new MadmixError('invalid_stats', `count is ${show(ms.count)}; a centroid needs a count of at least 1`);
  }
  const mean = new Float64Array(ms.sum.length);
  for (let i = 0; i < mean.length; i++) mean[i] = ms.sum[i] / ms.count;
  return mean;
}
