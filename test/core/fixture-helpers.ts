import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatsSet } from '../../src/core/stats/types.js';

export interface FixtureRun {
  method: string;
  params: Record<string, unknown>;
  expected: Record<string, unknown>;
}

export interface Fixture {
  name: string;
  modalities: string[];
  domains: { name: string; embeddings: Record<string, number[]>; samples?: number }[];
  runs: FixtureRun[];
}

export const FIXTURE_DIR = join(import.meta.dirname, '../fixtures/mixtures');

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) as Fixture);
}

/** Builds a statistics set from fixture centroids: count 1 and sum = the centroid. */
export function fixtureToStats(fixture: Fixture): StatsSet {
  const dims = new Map<string, number>();
  for (const d of fixture.domains) for (const [m, e] of Object.entries(d.embeddings)) dims.set(m, e.length);
  return {
    modalities: fixture.modalities.map((name) => ({ name, dim: dims.get(name) ?? 0 })),
    domains: fixture.domains.map((d) => ({
      name: d.name,
      samples: d.samples,
      stats: Object.fromEntries(Object.entries(d.embeddings).map(([m, e]) => [m, { count: 1, sum: Float64Array.from(e) }])),
    })),
  };
}

/** Makes a random set of `k` domains with the given modality widths; domain `i` lacks modality `v` when `missing(i, v)`. */
export function randomStats(k: number, dims: Record<string, number>, seed: number, missing: (i: number, v: string) => boolean = () => false): StatsSet {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  return {
    modalities: Object.entries(dims).map(([name, dim]) => ({ name, dim })),
    domains: Array.from({ length: k }, (_, i) => ({
      name: `domain-${i}`,
      samples: 1000 + 37 * i,
      tokens: 5000 + 11 * i,
      stats: Object.fromEntries(
        Object.entries(dims)
          .filter(([v]) => !missing(i, v))
          .map(([v, dim]) => [v, { count: 2, sum: Float64Array.from({ length: dim }, () => 2 * next() + 0.3) }]),
      ),
    })),
  };
}
