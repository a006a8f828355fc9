import { provenance } from './blend.js';
import type { MixturePlan } from './plan.js';
import { csvField } from './quote.js';

/** JSON export: provenance, the per-domain plan, warnings and the full result. */
export function json(plan: MixturePlan): string {
  const body = {
    format: 'madmix.mixture',
    version: 1,
    provenance: provenance(plan),
    domains: plan.domains.map((d) => ({
      name: d.name,
      weight: d.weight,
      score: d.score ?? null,
      samples: d.samples ?? null,
      tokens: d.tokens ?? null,
      impliedSamples: d.impliedSamples ?? null,
      impliedTokens: d.impliedTokens ?? null,
      epochs: d.epochs ?? null,
    })),
    warnings: [...(plan.result.warnings ?? []), ...plan.warnings],
    result: plan.result,
  };
  return JSON.stringify(body, null, 2) + '\n';
}

const cell = (value: number | undefined): string => (value === undefined ? '' : String(value));

/** CSV header. New columns go at the end so that readers which index columns by position keep working. */
export const CSV_COLUMNS = [
  'domain', 'weight', 'score', 'samples', 'tokens', 'implied_samples', 'epochs', 'warning',
  'unit', 'budget', 'result_id', 'stats_hash', 'method', 'params', 'solver_version', 'implied_tokens',
] as const;

/**
 * CSV export (RFC 4180), one row per domain. Provenance is repeated in columns
 * on every row instead of comment lines, because readers such as pandas treat
 * `#` anywhere in a line as a comment once comments are enabled. The warning
 * column contains the warnings about that row's domain; `implied_tokens` is empty
 * unless the budget is in tokens.
 */
export function csv(plan: MixturePlan): string {
  const p = provenance(plan);
  const tail = [
    plan.unit,
    cell(plan.budget),
    csvField(String(p.resultId)),
    csvField(String(p.statsHash)),
    p.method,
    csvField(JSON.stringify(p.params)),
    csvField(String(p.solverVersion)),
  ].join(',');
  const rows = plan.domains.map((d) =>
    [
      csvField(d.name),
      cell(d.weight),
      cell(d.score),
      cell(d.samples),
      cell(d.tokens),
      cell(d.impliedSamples),
      cell(d.epochs),
      csvField(d.warnings.join(' ')),
      tail,
      cell(d.impliedTokens),
    ].join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
