import { MadmixError } from '../../src/core/errors.js';

/**
 * Every embedding component is rounded to a multiple of 2^-30 (about 9.3e-10)
 * before it is added. Float64 sums of such values are exact while every
 * partial sum stays below 2^23 in magnitude, so the result does not depend on
 * the order of additions: shards merge bitwise, and a resumed run equals an
 * uninterrupted one. The rounding error, at most 2^-31 (4.7e-10) per component,
 * is no larger than float32's own rounding (half an ulp) for components of
 * magnitude 2^-7 (about 0.0078) and above.
 */
export const GRID_BITS = 30;
const GRID = 2 ** GRID_BITS;
/** Magnitude up to which sums on the grid stay exact in float64 (53 - 30 bits of integer part). */
export const EXACT_LIMIT = 2 ** 23;

export function roundToGrid(value: number): number {
  return Math.round(value * GRID) / GRID;
}

export interface Accumulated {
  count: number;
  sum: Float64Array;
}

/** Per-domain, per-modality counts and float64 sums of grid-rounded embeddings. */
export class Accumulator {
  readonly domains = new Map<string, Map<string, Accumulated>>();
  /** False once a partial sum reached EXACT_LIMIT, after which merges are only accurate to float64 rounding. */
  exact = true;

  add(domain: string, modality: string, vector: ArrayLike<number>, where: string): void {
    const modalities = this.domains.get(domain) ?? new Map<string, Accumulated>();
    this.domains.set(domain, modalities);
    let entry = modalities.get(modality);
    if (!entry) {
      entry = { count: 0, sum: new Float64Array(vector.length) };
      modalities.set(modality, entry);
    }
    if (entry.sum.length !== vector.length) {
      throw new MadmixError('internal', `${where}: ${modality} embedding has ${vector.length} values, expected ${entry.sum.length}`);
    }
    for (let d = 0; d < vector.length; d++) {
      if (!Number.isFinite(vector[d])) {
        throw new MadmixError('internal', `${where}: ${modality} embedding component ${d} is ${vector[d]}; the encoder output is not finite`);
      }
    }
    for (let d = 0; d < vector.length; d++) {
      entry.sum[d] += roundToGrid(vector[d]);
      if (Math.abs(entry.sum[d]) >= EXACT_LIMIT) this.exact = false;
    }
    entry.count++;
  }

  toJSON(): Record<string, Record<string, { count: number; sum: number[] }>> {
    const out: Record<string, Record<string, { count: number; sum: number[] }>> = {};
    for (const [domain, modalities] of this.domains) {
      out[domain] = {};
      for (const [modality, entry] of modalities) out[domain][modality] = { count: entry.count, sum: Array.from(entry.sum) };
    }
    return out;
  }

  /** Restores from `toJSON` output; JSON numbers round-trip float64 values exactly. */
  static fromJSON(data: Record<string, Record<string, { count: number; sum: number[] }>>, exact = true): Accumulator {
    const accumulator = new Accumulator();
    accumulator.exact = exact;
    for (const [domain, modalities] of Object.entries(data)) {
      const map = new Map<string, Accumulated>();
      for (const [modality, entry] of Object.entries(modalities)) {
        map.set(modality, { count: entry.count, sum: Float64Array.from(entry.sum) });
      }
      accumulator.domains.set(domain, map);
    }
    return accumulator;
  }
}
