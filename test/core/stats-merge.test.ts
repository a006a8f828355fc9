import { describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import { dropDomain, mergeStats, replaceDomain, statsToSafetensors, type StatsSet } from '../../src/core/stats/index.js';

/** Deterministic per-sample embeddings: multiples of 1/8, so every partial sum is exact in float64. */
function embedding(domain: number, sample: number, dim: number): number[] {
  return Array.from({ length: dim }, (_, j) => (((domain * 31 + sample * 7 + j * 3) % 17) - 8) / 8);
}

/** Statistics of samples [from, to) of each domain; domain 2 has no image. */
function statsOf(from: number, to: number): StatsSet {
  const names = ['charts', 'docs', 'language'];
  const domains = names.map((name, d) => {
    const image = new Float64Array(3);
    const text = new Float64Array(2);
    for (let s = from; s < to; s++) {
      embedding(d, s, 3).forEach((value, j) => (image[j] += value));
      embedding(d + 10, s, 2).forEach((value, j) => (text[j] += value));
    }
    const stats: StatsSet['domains'][number]['stats'] = { text: { count: to - from, sum: text } };
    if (d !== 2) stats.image = { count: to - from, sum: image };
    return { name, samples: (to - from) * 10, stats };
  });
  return {
    modalities: [{ name: 'image', dim: 3, model: 'enc', layer: 'emb' }, { name: 'text', dim: 2 }],
    domains,
  };
}

describe('mergeStats', () => {
  it('merge: two halves equal the whole', () => {
    const merged = mergeStats(statsOf(0, 37), statsOf(37, 100));
    // Exact equality (tolerance 0): the encodings must be byte-identical.
    expect(statsToSafetensors(merged)).toEqual(statsToSafetensors(statsOf(0, 100)));
  });

  it('merge: keeps order and appends new domains', () => {
    const left = statsOf(0, 2);
    left.domains = left.domains.slice(1);
    const merged = mergeStats(left, statsOf(0, 2));
    expect(merged.domains.map((domain) => domain.name)).toEqual(['docs', 'language', 'charts']);
    expect(merged.domains[0].stats.image.count).toBe(4);
    expect(merged.domains[2].stats.image.count).toBe(2);
  });

  it('merge: adds new modalities after existing ones', () => {
    const textOnly: StatsSet = {
      modalities: [{ name: 'text', dim: 2 }],
      domains: [{ name: 'language', stats: { text: { count: 1, sum: Float64Array.of(1, 1) } } }],
    };
    const merged = mergeStats(textOnly, statsOf(0, 1));
    expect(merged.modalities.map((modality) => modality.name)).toEqual(['text', 'image']);
  });

  it('merge: sizes add when both sides have them', () => {
    const left = statsOf(0, 1);
    const right = statsOf(1, 2);
    left.domains[0].datasets = [{ name: 'chartqa', samples: 3 }];
    right.domains[0].datasets = [{ name: 'chartqa', samples: 4, tokens: 9 }, { name: 'plotqa', samples: 1 }];
    right.domains[1].samples = undefined;
    left.domains[2].tokens = 5;
    const merged = mergeStats(left, right);
    expect(merged.domains[0].samples).toBe(20);
    expect(merged.domains[0].datasets).toEqual([{ name: 'chartqa', samples: 7, tokens: 9 }, { name: 'plotqa', samples: 1 }]);
    expect(merged.domains[1].samples).toBe(10);
    expect(merged.domains[2].tokens).toBe(5);
  });

  it('merge: meta keeps the first value', () => {
    const left = { ...statsOf(0, 1), meta: { job: 'a', seed: '1' } };
    const right = { ...statsOf(1, 2), meta: { job: 'b', corpus: 'c' } };
    expect(mergeStats(left, right).meta).toEqual({ job: 'a', seed: '1', corpus: 'c' });
  });

  it('merge: does not mutate inputs', () => {
    const left = statsOf(0, 3);
    const right = statsOf(3, 6);
    const before = [statsToSafetensors(left), statsToSafetensors(right)];
    const merged = mergeStats(left, right);
    merged.domains[0].stats.image.sum[0] = 99;
    expect(statsToSafetensors(left)).toEqual(before[0]);
    expect(statsToSafetensors(right)).toEqual(before[1]);
  });

  it.each([
    ['dim', (s: StatsSet) => (s.modalities[1] = { name: 'text', dim: 4 }), /"text" has dim 2 in the first set and 4/],
    ['model', (s: StatsSet) => (s.modalities[0].model = 'other'), /"image" has model "enc" in the first set and "other"/],
    ['layer', (s: StatsSet) => delete s.modalities[0].layer, /"image" has layer "emb" in the first set and undefined/],
  ])('merge: rejects a %s disagreement', (_label, edit, pattern) => {
    const right = statsOf(1, 2);
    edit(right);
    expect(() => mergeStats(statsOf(0, 1), right)).toThrow(pattern);
    try {
      mergeStats(statsOf(0, 1), right);
    } catch (error) {
      expect((error as MadmixError).code).toBe('invalid_stats');
    }
  });
});

describe('replaceDomain and dropDomain', () => {
  it('replaceDomain: replaces in place and prunes modalities', () => {
    const set = statsOf(0, 2);
    const replacement = { name: 'charts', stats: { text: { count: 9, sum: Float64Array.of(1, 2) } } };
    const withoutImageInCharts = replaceDomain(set, replacement);
    expect(withoutImageInCharts.domains.map((domain) => domain.name)).toEqual(['charts', 'docs', 'language']);
    expect(withoutImageInCharts.domains[0].stats).toEqual(replacement.stats);
    expect(withoutImageInCharts.modalities.map((modality) => modality.name)).toEqual(['image', 'text']);
    expect(set.domains[0].stats.image.count).toBe(2);
    const textOnly = replaceDomain(withoutImageInCharts, { ...replacement, name: 'docs' });
    expect(textOnly.modalities.map((modality) => modality.name)).toEqual(['text']);
  });

  it('replaceDomain: appends an unknown name', () => {
    const result = replaceDomain(statsOf(0, 1), { name: 'new', stats: { text: { count: 1, sum: Float64Array.of(0, 1) } } });
    expect(result.domains.map((domain) => domain.name)).toEqual(['charts', 'docs', 'language', 'new']);
  });

  it('replaceDomain: rejects undeclared modality and wrong dim', () => {
    const set = statsOf(0, 1);
    expect(() => replaceDomain(set, { name: 'x', stats: { video: { count: 1, sum: Float64Array.of(1) } } })).toThrow(
      expect.objectContaining({ code: 'unknown_modality', message: expect.stringMatching(/"video"/) }),
    );
    expect(() => replaceDomain(set, { name: 'x', stats: { text: { count: 1, sum: Float64Array.of(1) } } })).toThrow(
      expect.objectContaining({ code: 'invalid_stats', message: expect.stringMatching(/"text" sum has 1 values/) }),
    );
  });

  it('dropDomain: removes the domain and orphaned modalities', () => {
    const set = statsOf(0, 1);
    const once = dropDomain(set, 'charts');
    expect(once.domains.map((domain) => domain.name)).toEqual(['docs', 'language']);
    const twice = dropDomain(once, 'docs');
    expect(twice.modalities.map((modality) => modality.name)).toEqual(['text']);
    expect(set.domains).toHaveLength(3);
  });

  it('dropDomain: unknown name is unknown_domain', () => {
    expect(() => dropDomain(statsOf(0, 1), 'missing')).toThrow(
      expect.objectContaining({ code: 'unknown_domain', message: expect.stringMatching(/"missing".*"charts"/) }),
    );
  });
});

it('merge: error type is MadmixError', () => {
  expect(() => dropDomain(statsOf(0, 1), 'missing')).toThrow(MadmixError);
});
