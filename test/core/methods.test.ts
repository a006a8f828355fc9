import { describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import type { MethodName, MixtureRequest } from '../../src/core/methods/types.js';
import { computeMixture, DEFAULTS, METHODS, regularizationPath, resolveParams } from '../../src/core/mix.js';
import type { StatsSet } from '../../src/core/stats/types.js';
import { fixtureToStats, loadFixtures, randomStats } from './fixture-helpers.js';

const HASH = { inputHash: 'test' };
const imageText = fixtureToStats(loadFixtures().find((f) => f.name === 'image-text-5')!);
const textOnly = fixtureToStats(loadFixtures().find((f) => f.name === 'text-only-7')!);

const REQUESTS: { set: StatsSet; request: MixtureRequest }[] = [
  { set: imageText, request: { method: 'madmix' } },
  { set: imageText, request: { method: 'madmix', params: { normalize: 'l2', temperature: 0.3 } } },
  { set: imageText, request: { method: 'avg' } },
  { set: imageText, request: { method: 'modality', params: { modality: 'image' } } },
  { set: imageText, request: { method: 'chameleon', params: { modality: 'text', stage: 'pretrain' } } },
  { set: imageText, request: { method: 'uniform' } },
  { set: imageText, request: { method: 'proportional' } },
  { set: imageText, request: { method: 'temperature', params: { temperature: 3 } } },
  { set: textOnly, request: { method: 'unimax', params: { budget: 1e7, maxEpochs: 1 } } },
  { set: textOnly, request: { method: 'chameleon' } },
  {
    set: imageText,
    request: { method: 'manual', params: { weights: { general: 3, 'doc-chart-screen': 1, 'math-reasoning': 1, 'general-ocr': 0, language: 5 } } },
  },
];

async function expectCode(promise: Promise<unknown>, code: string, fragment?: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MadmixError);
  expect((error as MadmixError).code).toBe(code);
  if (fragment) expect((error as MadmixError).message).toContain(fragment);
}

describe('computeMixture properties', () => {
  it.each(REQUESTS)('$request.method $request.params: weights valid and keyed by name', async ({ set, request }) => {
    const result = await computeMixture(set, request, HASH);
    const names = set.domains.map((d) => d.name);
    expect(Object.keys(result.weights)).toEqual(names);
    const values = Object.values(result.weights);
    for (const w of values) expect(Number.isFinite(w) && w >= 0).toBe(true);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12);
    expect(result.inputHash).toBe('test');
    expect(result.diagnostics.maxEntropy).toBeCloseTo(Math.log(names.length), 12);
    expect(result.diagnostics.entropy).toBeLessThanOrEqual(result.diagnostics.maxEntropy + 1e-12);
  });

  it('madmix: permuting domains permutes weights', async () => {
    const reversed: StatsSet = { ...imageText, domains: [...imageText.domains].reverse() };
    const a = await computeMixture(imageText, { method: 'madmix' }, HASH);
    const b = await computeMixture(reversed, { method: 'madmix' }, HASH);
    for (const name of a.domains) expect(Math.abs(a.weights[name] - b.weights[name])).toBeLessThan(1e-12);
    expect(b.domains).toEqual([...a.domains].reverse());
  });

  it('madmix: dual equals primal within 1e-9', async () => {
    // Total width 12 and k = 13 solve the primal side. A zero column added to text keeps
    // every kernel the same but makes the width 13, so the same problem solves the dual side.
    const set = randomStats(13, { image: 6, text: 6 }, 7, (i, v) => v === 'image' && i % 4 === 0);
    const primal = await computeMixture(set, { method: 'madmix', params: { lambda: 0.5 } }, HASH);
    expect(primal.diagnostics.side).toBe('primal');
    const wide: StatsSet = {
      modalities: set.modalities.map((m) => (m.name === 'text' ? { ...m, dim: 7 } : m)),
      domains: set.domains.map((d) => ({ ...d, stats: { ...d.stats, text: { count: d.stats.text.count, sum: Float64Array.of(...d.stats.text.sum, 0) } } })),
    };
    const dual = await computeMixture(wide, { method: 'madmix', params: { lambda: 0.5 } }, HASH);
    expect(dual.diagnostics.side).toBe('dual');
    for (const name of primal.domains) {
      expect(Math.abs(primal.weights[name] - dual.weights[name])).toBeLessThan(1e-9);
      expect(Math.abs(primal.scores![name] - dual.scores![name])).toBeLessThan(1e-9);
      expect(Math.abs(primal.alpha![name] - dual.alpha![name])).toBeLessThan(1e-9);
      expect(Math.abs(primal.modalityScores!.image[name] - dual.modalityScores!.image[name])).toBeLessThan(1e-9);
    }
    expect(Math.abs(primal.diagnostics.effectiveDimension! - dual.diagnostics.effectiveDimension!)).toBeLessThan(1e-9);
    expect(primal.diagnostics.spectrum!.length).toBe(dual.diagnostics.spectrum!.length);
  });

  it('chameleon: primal equals dual within 1e-9', async () => {
    const set = randomStats(9, { text: 8 }, 3);
    const primal = await computeMixture(set, { method: 'chameleon', params: { lambda: 0.01 } }, HASH);
    const wide: StatsSet = {
      modalities: [{ name: 'text', dim: 9 }],
      domains: set.domains.map((d) => ({ ...d, stats: { text: { count: d.stats.text.count, sum: Float64Array.of(...d.stats.text.sum, 0) } } })),
    };
    const dual = await computeMixture(wide, { method: 'chameleon', params: { lambda: 0.01 } }, HASH);
    expect(primal.diagnostics.side).toBe('primal');
    expect(dual.diagnostics.side).toBe('dual');
    for (const name of primal.domains) expect(Math.abs(primal.leverage![name] - dual.leverage![name])).toBeLessThan(1e-9);
  });

  it('madmix: spectrum reported up to order 1024', async () => {
    // Order 300: the 300 x 300 dual kernel is decomposed, and the top 256 eigenvalues are kept.
    const set = randomStats(300, { image: 200, text: 200 }, 11);
    const { diagnostics } = await computeMixture(set, { method: 'madmix' }, HASH);
    expect(diagnostics.side).toBe('dual');
    expect(diagnostics.spectrum).toHaveLength(256);
    expect(diagnostics.spectrum).toEqual([...diagnostics.spectrum!].sort((a, b) => b - a));
  });

  it('softmax: tiny temperature stays finite', async () => {
    const result = await computeMixture(imageText, { method: 'madmix', params: { temperature: 1e-9 } }, HASH);
    const values = Object.values(result.weights);
    for (const w of values) expect(Number.isFinite(w)).toBe(true);
    expect(Math.max(...values)).toBeCloseTo(1, 12);
  });

  it('madmix: diagnostics filled', async () => {
    const { diagnostics } = await computeMixture(imageText, { method: 'madmix' }, HASH);
    expect(diagnostics.side).toBe('dual');
    expect(diagnostics.backend).toBe('js');
    expect(diagnostics.spectrum!.length).toBeGreaterThan(0);
    expect(diagnostics.spectrum).toEqual([...diagnostics.spectrum!].sort((a, b) => b - a));
    const share = diagnostics.modalityShare!;
    expect(share.image + share.text).toBeCloseTo(1, 12);
    expect(diagnostics.klToProportional).toBeGreaterThan(0);
    expect(diagnostics.klToUniform).toBeGreaterThanOrEqual(0);
  });

  it('avg: components and text-only domain', async () => {
    const result = await computeMixture(imageText, { method: 'avg' }, HASH);
    expect(result.components!.image.language).toBe(0);
    const mean = (result.components!.image.general + result.components!.text.general) / 2;
    expect(result.weights.general).toBeCloseTo(mean, 12);
  });

  it('modality: missing domains get zero and a warning', async () => {
    const result = await computeMixture(imageText, { method: 'modality', params: { modality: 'image' } }, HASH);
    expect(result.weights.language).toBe(0);
    expect(result.warnings!.join(' ')).toContain('language');
  });

  it('regularization path: grid and sums', async () => {
    const path = await regularizationPath(imageText, {}, { points: 5 });
    expect(path.lambdas[0]).toBeCloseTo(1e-3, 15);
    expect(path.lambdas[4]).toBeCloseTo(1e4, 8);
    for (let i = 0; i < 5; i++) {
      const total = imageText.domains.reduce((s, d) => s + path.weights[d.name][i], 0);
      expect(Math.abs(total - 1)).toBeLessThan(1e-12);
    }
    expect(path.effectiveDimension[0]).toBeGreaterThan(path.effectiveDimension[4]);
  });

  it('resolveParams: defaults filled', () => {
    expect(resolveParams({ method: 'madmix' }, imageText)).toEqual({ lambda: 10, temperature: 1, normalize: 'none' });
    expect(resolveParams({ method: 'chameleon' }, textOnly)).toEqual({ lambda: 10, stage: 'finetune', modality: 'text' });
    expect(resolveParams({ method: 'unimax' }, textOnly).budget).toBe(16_100_000);
    expect(Object.keys(DEFAULTS).sort()).toEqual([...METHODS].sort());
  });
});

describe('huge but finite inputs', () => {
  it('manual: weights of 1e308 normalize to equal shares (tolerance 1e-15)', async () => {
    const set = randomStats(3, { text: 2 }, 6);
    const weights = Object.fromEntries(set.domains.map((d) => [d.name, 1e308]));
    const result = await computeMixture(set, { method: 'manual', params: { weights } }, HASH);
    for (const w of Object.values(result.weights)) expect(w).toBeCloseTo(1 / 3, 15);
  });

  it('proportional: sizes whose sum overflows normalize (tolerance 1e-15)', async () => {
    const set = randomStats(2, { text: 2 }, 7);
    set.domains[0].samples = 1.5e308;
    set.domains[1].samples = 0.5e308;
    const result = await computeMixture(set, { method: 'proportional' }, HASH);
    expect(result.weights['domain-0']).toBeCloseTo(0.75, 15);
  });

  it('temperature: a tiny temperature gives the largest domain all the weight', async () => {
    const set = randomStats(2, { text: 2 }, 8);
    set.domains[0].samples = 10;
    set.domains[1].samples = 20;
    const result = await computeMixture(set, { method: 'temperature', params: { temperature: 0.001 } }, HASH);
    expect(result.weights['domain-1']).toBe(1);
  });
});

describe('validation errors', () => {
  const cases: [string, StatsSet, MixtureRequest, string, string][] = [
    ['unknown method', imageText, { method: 'magic' as MethodName }, 'unknown_method', 'madmix'],
    ['unknown parameter', imageText, { method: 'madmix', params: { lamda: 1 } }, 'unknown_parameter', 'lamda'],
    ['lambda zero', imageText, { method: 'madmix', params: { lambda: 0 } }, 'invalid_parameter', 'lambda'],
    ['lambda string', imageText, { method: 'madmix', params: { lambda: '10' } }, 'invalid_parameter', 'lambda'],
    ['lambda infinite', imageText, { method: 'madmix', params: { lambda: Infinity } }, 'invalid_parameter', 'lambda'],
    ['temperature negative', imageText, { method: 'madmix', params: { temperature: -1 } }, 'invalid_parameter', 'temperature'],
    ['normalize unknown', imageText, { method: 'madmix', params: { normalize: 'l1' } }, 'invalid_parameter', 'normalize'],
    ['modality unknown', imageText, { method: 'modality', params: { modality: 'audio' } }, 'invalid_parameter', 'audio'],
    ['modality required', imageText, { method: 'chameleon' }, 'invalid_parameter', 'modality'],
    ['stage unknown', textOnly, { method: 'chameleon', params: { stage: 'midtrain' } }, 'invalid_parameter', 'stage'],
    ['budget zero', textOnly, { method: 'unimax', params: { budget: 0 } }, 'invalid_parameter', 'budget'],
    ['maxEpochs negative', textOnly, { method: 'unimax', params: { maxEpochs: -2 } }, 'invalid_parameter', 'maxEpochs'],
    ['tokens missing', textOnly, { method: 'proportional', params: { size: 'tokens' } }, 'invalid_parameter', 'tokens'],
    ['weights not object', textOnly, { method: 'manual', params: { weights: [1, 2] } }, 'invalid_parameter', 'weights'],
    ['weights missing', textOnly, { method: 'manual' }, 'invalid_parameter', 'weights'],
    ['weights incomplete', textOnly, { method: 'manual', params: { weights: { arxiv: 1 } } }, 'invalid_parameter', 'book'],
    ['weights unknown', imageText, { method: 'manual', params: { weights: { general: 1, nope: 1 } } }, 'unknown_domain', 'nope'],
    ['weights all zero', imageText, { method: 'manual', params: { weights: { general: 0, 'doc-chart-screen': 0, 'math-reasoning': 0, 'general-ocr': 0, language: 0 } } }, 'invalid_parameter', 'positive'],
    ['weights negative', imageText, { method: 'manual', params: { weights: { general: -1, 'doc-chart-screen': 0, 'math-reasoning': 0, 'general-ocr': 0, language: 1 } } }, 'invalid_parameter', 'general'],
  ];
  it.each(cases)('%s: rejected', async (_label, set, request, code, fragment) => {
    await expectCode(computeMixture(set, request, HASH), code, fragment);
  });

  it('manual weights: domain "constructor" not read from prototype', async () => {
    const set = randomStats(2, { text: 2 }, 5);
    set.domains[1].name = 'constructor';
    await expectCode(
      computeMixture(set, { method: 'manual', params: { weights: { 'domain-0': 1 } } }, HASH),
      'invalid_parameter',
      'miss domain "constructor"',
    );
  });

  it('temperature out of range: names the range', async () => {
    for (const temperature of [1e300, 1e-300]) {
      await expectCode(computeMixture(imageText, { method: 'madmix', params: { temperature } }, HASH), 'invalid_parameter', 'from 1e-12 to 1e12');
    }
  });

  it('unimax budget above MAX_BUDGET: names the range', async () => {
    await expectCode(computeMixture(textOnly, { method: 'unimax', params: { budget: 1e300 } }, HASH), 'invalid_parameter', 'at most 1e15');
  });

  it('size tokens on a set without tokens: says the count is missing', async () => {
    const set = randomStats(2, { text: 2 }, 3);
    set.domains.forEach((d) => delete d.tokens);
    await expectCode(computeMixture(set, { method: 'proportional', params: { size: 'tokens' } }, HASH), 'invalid_parameter', 'has no tokens count');
  });

  it('chameleon on identical centroids: names the cause, not weights', async () => {
    const set = randomStats(3, { text: 2 }, 4);
    set.domains.forEach((d) => (d.stats.text = { count: 1, sum: Float64Array.of(1, 2) }));
    const error = await computeMixture(set, { method: 'chameleon' }, HASH).catch((e: MadmixError) => e);
    expect((error as MadmixError).code).toBe('invalid_stats');
    expect((error as MadmixError).message).toContain('is the same (or zero)');
    expect((error as MadmixError).message).not.toContain('positive weight');
  });

  it('overflowing centroid norm: invalid_stats naming domain and modality, not lambda', async () => {
    const set = randomStats(3, { text: 2 }, 5);
    set.domains[1].stats.text = { count: 1, sum: Float64Array.of(1e308, 1e308) };
    const error = (await computeMixture(set, { method: 'madmix' }, HASH).catch((e: MadmixError) => e)) as MadmixError;
    expect(error.code).toBe('invalid_stats');
    expect(error.message).toMatch(/"domain-1".*"text".*overflows float64/);
    expect(error.message).not.toContain('lambda');
  });

  it('overflowing centroid norm with normalize l2: computes', async () => {
    const set = randomStats(3, { text: 2 }, 5);
    set.domains[1].stats.text = { count: 1, sum: Float64Array.of(1e308, 1e308) };
    const result = await computeMixture(set, { method: 'madmix', params: { normalize: 'l2' } }, HASH);
    expect(Object.values(result.weights).every(Number.isFinite)).toBe(true);
  });

  it('non-finite centroid: invalid_stats', async () => {
    const set = randomStats(3, { text: 2 }, 1);
    set.domains[1].stats.text.sum[0] = NaN;
    await expectCode(computeMixture(set, { method: 'madmix' }, HASH), 'invalid_stats', 'domain-1');
  });

  it('duplicate domain: duplicate_domain', async () => {
    const set = randomStats(2, { text: 2 }, 1);
    set.domains[1].name = set.domains[0].name;
    await expectCode(computeMixture(set, { method: 'uniform' }, HASH), 'duplicate_domain');
  });

  it('domain without modalities: invalid_stats', async () => {
    const set = randomStats(3, { text: 2 }, 1, (i) => i === 2);
    await expectCode(computeMixture(set, { method: 'madmix' }, HASH), 'invalid_stats', 'domain-2');
  });

  it('problem size: problem_too_large', async () => {
    const set: StatsSet = {
      modalities: [{ name: 'text', dim: 5000 }],
      domains: Array.from({ length: 5000 }, (_, i) => ({ name: `d${i}`, stats: {} })),
    };
    await expectCode(computeMixture(set, { method: 'madmix' }, HASH), 'problem_too_large', '5000');
  });
});
