import { SOLVER_VERSION } from '../../src/core/version.js';
import type { MixtureResult } from '../../src/core/methods/types.js';
import type { StoredResult } from '../../src/worker/types.js';

/** Names that break naive YAML, CSV, shell or Python writers. */
export const HOSTILE = [
  'plain',
  'quote "double" and \'single\'',
  'comma, and; semicolon',
  'line\nbreak\r\nand tab\t',
  '# not a comment: key: value',
  '=HYPERLINK("http://x")',
  "'; rm -rf / #",
  '日本語 émoji 😀',
  'sep\u2028para\u2029nel\u0085',
  ' padded ',
  'back\\slash $HOME `id`',
];

/** Builds a stored mixture over `domains` with the given weights and sizes. */
export function storedMixture(
  domains: { name: string; weight: number; samples?: number; tokens?: number; datasets?: { name: string; samples?: number; tokens?: number }[] }[],
  extra: Partial<MixtureResult> = {},
): StoredResult {
  const result: MixtureResult = {
    method: 'madmix',
    params: { lambda: 10, temperature: 1, normalize: 'none' },
    solverVersion: SOLVER_VERSION,
    inputHash: 'ab'.repeat(32),
    domains: domains.map((d) => d.name),
    weights: Object.fromEntries(domains.map((d) => [d.name, d.weight])),
    scores: Object.fromEntries(domains.map((d, i) => [d.name, i * 0.5])),
    diagnostics: { entropy: 1, maxEntropy: Math.log(domains.length), klToUniform: 0.1 },
    ...extra,
  };
  return {
    id: 'c0ffee'.repeat(4),
    kind: 'mixture',
    createdAt: '2026-12-04T10:00:00.000Z',
    statsId: 'ab'.repeat(32),
    statsStored: true,
    summary: {
      domains: domains.map(({ name, samples, tokens, datasets }) => ({ name, modalities: { image: 1 }, samples, tokens, datasets })),
      modalities: [{ name: 'image', dim: 4 }],
      domainCount: domains.length,
      totalCount: domains.length,
    } as unknown as StoredResult['summary'],
    results: [result],
  };
}
