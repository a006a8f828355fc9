import { describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import { statsToJson, validateStats, type StatsSet } from '../../src/core/stats/index.js';

function validSet(): StatsSet {
  return {
    modalities: [
      { name: 'image', dim: 2 },
      { name: 'text', dim: 2 },
    ],
    domains: [
      {
        name: 'charts',
        samples: 10,
        stats: { image: { count: 4, sum: Float64Array.of(1, 2) }, text: { count: 4, sum: Float64Array.of(3, 4) } },
      },
      { name: 'language', tokens: 99, stats: { text: { count: 2, sum: Float64Array.of(5, 6) } } },
    ],
  };
}

function expectError(set: StatsSet, code: string, parts: RegExp[], options?: { minDomains?: number }): void {
  let caught: unknown;
  try {
    validateStats(set, options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MadmixError);
  expect((caught as MadmixError).code).toBe(code);
  for (const part of parts) expect((caught as MadmixError).message).toMatch(part);
}

type Edit = (set: StatsSet) => void;

const CASES: [string, Edit, RegExp[]][] = [
  ['NaN in a sum', (s) => (s.domains[0].stats.text.sum[1] = NaN), [/"charts"/, /"text"/, /sum\[1\] is NaN/, /re-run/]],
  ['Infinity in a sum', (s) => (s.domains[1].stats.text.sum[0] = -Infinity), [/"language"/, /"text"/, /sum\[0\] is -Infinity/]],
  ['zero count', (s) => (s.domains[0].stats.image.count = 0), [/"charts"/, /"image"/, /count 0/, /omit the modality/]],
  ['negative count', (s) => (s.domains[0].stats.image.count = -3), [/"charts"/, /"image"/, /count -3/]],
  ['fractional count', (s) => (s.domains[0].stats.image.count = 2.5), [/"charts"/, /count 2.5/, /positive integer/]],
  ['NaN count', (s) => (s.domains[0].stats.image.count = NaN), [/count NaN/]],
  ['count above 2^53', (s) => (s.domains[0].stats.image.count = 2 ** 60), [/above 2\^53/]],
  ['sum length mismatch', (s) => (s.domains[1].stats.text.sum = Float64Array.of(1, 2, 3)), [/"language"/, /"text"/, /3 values/, /dim is 2/]],
  ['plain array as sum', (s) => ((s.domains[1].stats.text as any).sum = [1, 2]), [/"language"/, /Float64Array/]],
  ['undeclared modality', (s) => (s.domains[1].stats.video = { count: 1, sum: Float64Array.of(1) }), [/"language"/, /"video"/, /does not declare/]],
  ['declared dim mismatch', (s) => (s.modalities[0].dim = 3), [/"charts"/, /"image"/, /dim is 3/]],
  ['dim not an integer', (s) => (s.modalities[0].dim = 1.5), [/"image"/, /dim 1.5/]],
  ['modality declared twice', (s) => s.modalities.push({ name: 'text', dim: 2 }), [/"text"/, /declared twice/]],
  ['modality no domain has', (s) => s.modalities.push({ name: 'video', dim: 8 }), [/"video"/, /no domain has it/]],
  ['integer modality name', (s) => (s.modalities[0].name = '12'), [/"12"/, /rename it/]],
  ['modality named constructor', (s) => (s.modalities[0].name = 'constructor'), [/"constructor"/, /every JavaScript object/, /rename it/]],
  ['domain named __proto__', (s) => (s.domains[1].name = '__proto__'), [/domains\[1\]\.name "__proto__"/, /rename the domain/]],
  ['empty domain name', (s) => (s.domains[0].name = ''), [/domains\[0\]\.name/, /non-empty/]],
  ['long domain name', (s) => (s.domains[0].name = 'x'.repeat(201)), [/201 characters/, /at most 200/]],
  ['control character', (s) => (s.domains[1].name = 'lan\u0007guage'), [/domains\[1\]\.name/, /U\+0007/]],
  ['domain without modality', (s) => (s.domains[1].stats = {}), [/"language"/, /no modality/]],
  ['negative samples', (s) => (s.domains[0].samples = -1), [/"charts" samples is -1/]],
  ['NaN tokens', (s) => (s.domains[1].tokens = NaN), [/"language" tokens is NaN/]],
  ['bad dataset size', (s) => (s.domains[0].datasets = [{ name: 'a', samples: -2 }]), [/dataset "a" samples is -2/]],
  ['duplicate dataset', (s) => (s.domains[0].datasets = [{ name: 'a' }, { name: 'a' }]), [/dataset "a" twice/]],
  ['samples near the largest double', (s) => (s.domains[0].samples = 1e308), [/"charts" samples is 1e\+308/, /2\^53 - 1/]],
  ['fractional tokens', (s) => (s.domains[1].tokens = 2.5), [/"language" tokens is 2.5/, /whole number/]],
  ['dataset samples above 2^53', (s) => (s.domains[0].datasets = [{ name: 'a', samples: 2 ** 60 }]), [/dataset "a" samples/, /2\^53 - 1/]],
  ['non-string meta', (s) => (s.meta = { seed: 7 as unknown as string }), [/meta\.seed is 7/, /strings/]],
];

describe('validateStats', () => {
  it('validate: accepts a valid set', () => {
    expect(() => validateStats(validSet())).not.toThrow();
  });

  it.each(CASES)('validate: rejects %s', (_label, edit, parts) => {
    const set = validSet();
    edit(set);
    expectError(set, 'invalid_stats', parts);
  });

  it('validate: duplicate domain names', () => {
    const set = validSet();
    set.domains[1].name = 'charts';
    expectError(set, 'duplicate_domain', [/"charts"/, /domains\[1\]/, /unique name/]);
  });

  it('validate: empty set', () => {
    expectError({ modalities: [], domains: [] }, 'invalid_stats', [/no domains/]);
    expect(() => validateStats({ modalities: [], domains: [] }, { minDomains: 0 })).not.toThrow();
  });

  it('validate: single domain needs minDomains 1', () => {
    const set = validSet();
    set.domains.pop();
    set.modalities = set.modalities.filter((modality) => modality.name in set.domains[0].stats);
    expectError(set, 'invalid_stats', [/1 domain \("charts"\)/, /at least 2/]);
    expect(() => validateStats(set, { minDomains: 1 })).not.toThrow();
  });

  it('validate: writers reject invalid sets', () => {
    const set = validSet();
    set.domains[0].stats.text.sum[0] = NaN;
    expect(() => statsToJson(set)).toThrow(/sum\[0\] is NaN/);
  });
});
