import { MadmixError, show } from '../errors.js';
import { MAX_BUDGET, MIN_BUDGET } from './plan.js';
import type { ExportOptions } from './types.js';

/** Query parameters of an export URL, with the fix each one's error message gives. */
const NUMERIC = {
  budget: `a number of at least ${MIN_BUDGET} and at most ${MAX_BUDGET} in the unit of \`unit\`, e.g. budget=1000000`,
  maxEpochs: 'a number above 0, e.g. maxEpochs=4',
  index: 'a whole number from 0, the position of the result in the comparison, e.g. index=1',
} as const;

/** Names of the query parameters an export accepts. */
export const EXPORT_QUERY_PARAMETERS = ['budget', 'unit', 'maxEpochs', 'index'] as const;

/** Decimal number text, for reading numbers from URLs and forms: Number() would also read "", " ", "0x10" and "Infinity". */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function invalid(field: string, raw: string, fix: string): MadmixError {
  return new MadmixError('invalid_parameter', `Invalid query parameter ${field} ${show(raw)}: ${fix}.`, { field, value: raw, target: 'query' });
}

function parseNumber(field: keyof typeof NUMERIC, raw: string): number {
  if (!DECIMAL.test(raw.trim())) throw invalid(field, raw, `not a number; use ${NUMERIC[field]}`);
  const value = Number(raw);
  if (!Number.isFinite(value)) throw invalid(field, raw, `the value is not finite (beyond float64); use ${NUMERIC[field]}`);
  return value;
}

/**
 * Returns one value per query parameter from `queries` (every value of each
 * name, as `Request.queries()` returns them). Throws `invalid_parameter` for a
 * parameter given more than once, because the export could not tell which value was meant.
 */
export function singleQueryValues(queries: Record<string, string[]>): Record<string, string> {
  const single: Record<string, string> = {};
  for (const [name, values] of Object.entries(queries)) {
    if (values.length > 1) {
      throw new MadmixError(
        'invalid_parameter',
        `Query parameter ${show(name)} is repeated (${values.map((v) => show(v)).join(', ')}); send it once.`,
        { field: name, value: values, target: 'query' },
      );
    }
    single[name] = values[0];
  }
  return single;
}

/**
 * Reads export options from URL query parameters (strings). Throws
 * `unknown_parameter` for a name it does not know and `invalid_parameter` for a
 * value that is not a finite number; `resolveOptions` checks the ranges.
 */
export function exportOptionsFromQuery(query: Record<string, string>): ExportOptions {
  const valid: readonly string[] = EXPORT_QUERY_PARAMETERS;
  for (const name of Object.keys(query)) {
    if (!valid.includes(name)) {
      throw new MadmixError(
        'unknown_parameter',
        `Unknown query parameter ${show(name)}; valid parameters: ${valid.join(', ')}.`,
        { parameter: name, valid: [...valid], target: 'query' },
      );
    }
  }
  const { budget, unit, maxEpochs, index } = query;
  return {
    budget: budget === undefined ? undefined : parseNumber('budget', budget),
    unit: unit as ExportOptions['unit'],
    maxEpochs: maxEpochs === undefined ? undefined : parseNumber('maxEpochs', maxEpochs),
    resultIndex: index === undefined ? undefined : parseNumber('index', index),
  };
}
