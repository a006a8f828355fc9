import { MadmixError, show } from '../errors.js';
import { MAX_BUDGET } from '../methods/params.js';
import type { MixtureResult } from '../methods/types.js';
import type { StoredResult } from '../../worker/types.js';
import { summaryView, type ExportOptions } from './types.js';

/** Epoch count above which a domain gets a warning, the same cap UniMax uses by default. */
export const DEFAULT_MAX_EPOCHS = 4;

/** Smallest export budget: one sample or token. */
export const MIN_BUDGET = 1;

/** Largest export budget, the same bound the unimax method takes (see MAX_BUDGET in methods/params). */
export { MAX_BUDGET };

/** One domain of a mixture with its size and, for a budget, the samples and epochs it implies. */
export interface DomainPlan {
  name: string;
  weight: number;
  score?: number;
  /** Domain size from the statistics set. */
  samples?: number;
  tokens?: number;
  datasets?: { name: string; samples?: number; tokens?: number }[];
  /** Whole samples drawn from the domain for the budget. */
  impliedSamples?: number;
  /** Tokens drawn from the domain, when the budget is in tokens. */
  impliedTokens?: number;
  /** Passes over the domain the budget implies (implied samples / domain samples). */
  epochs?: number;
  /**
   * Warnings about this domain. `MixturePlan.warnings` lists them too, except
   * that a missing token or sample count is listed there once for all domains.
   */
  warnings: string[];
}

/** A selected result with its options resolved and its budget applied. */
export interface MixturePlan {
  stored: StoredResult;
  result: MixtureResult;
  resultIndex: number;
  unit: 'samples' | 'tokens';
  budget?: number;
  maxEpochs: number;
  domains: DomainPlan[];
  warnings: string[];
}

function invalid(field: string, value: unknown, fix: string): MadmixError {
  return new MadmixError('invalid_parameter', `Invalid ${field} ${show(value)}: ${fix}.`, { field, value });
}

const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Validates `options` against `stored` and fills in the defaults; throws `invalid_parameter`. */
export function resolveOptions(stored: StoredResult, options: ExportOptions) {
  const { budget, unit = 'samples', maxEpochs = DEFAULT_MAX_EPOCHS, resultIndex = 0 } = options;
  // Below 1 the budget rounds to at most one whole sample, which no mixture can share out.
  if (budget !== undefined && !(isPositive(budget) && budget >= MIN_BUDGET && budget <= MAX_BUDGET)) {
    const notFinite = typeof budget === 'number' && !Number.isFinite(budget) && !Number.isNaN(budget) ? 'the value is not finite; ' : '';
    throw invalid('budget', budget, `${notFinite}use a number of at least ${MIN_BUDGET} and at most ${MAX_BUDGET} in the unit of \`unit\`, e.g. budget=1000000`);
  }
  if (unit !== 'samples' && unit !== 'tokens') throw invalid('unit', unit, 'use "samples" or "tokens"');
  if (!isPositive(maxEpochs)) throw invalid('maxEpochs', maxEpochs, 'use a positive number, e.g. maxEpochs=4');
  const count = stored.results.length;
  if (!Number.isInteger(resultIndex) || resultIndex < 0 || resultIndex >= count) {
    throw invalid('index', resultIndex, `use an integer from 0 to ${count - 1}, the position of the result in the comparison`);
  }
  return { budget, unit, maxEpochs, resultIndex };
}

/**
 * Splits `total` whole units in proportion to `shares` by the largest remainder
 * method, so the parts sum to exactly `total`.
 */
export function apportion(shares: number[], total: number): number[] {
  const sum = shares.reduce((a, b) => a + b, 0);
  if (!(sum > 0) || total <= 0) return shares.map(() => 0);
  const exact = shares.map((s) => (s / sum) * total);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => i).sort((i, j) => exact[j] - parts[j] - (exact[i] - parts[i]) || i - j);
  for (const i of order) {
    if (left <= 0) break;
    if (shares[i] > 0) {
      parts[i] += 1;
      left -= 1;
    }
  }
  return parts;
}

/** Builds the per-domain plan of one stored result: sizes, and for a budget the implied samples and epochs. */
export function planMixture(stored: StoredResult, options: ExportOptions = {}): MixturePlan {
  const resolved = resolveOptions(stored, options);
  const result = stored.results[resolved.resultIndex];
  const sizes = new Map(summaryView(stored).domains.map((d) => [d.name, d]));
  const domains: DomainPlan[] = result.domains.map((name) => {
    const size = sizes.get(name);
    return {
      name,
      weight: result.weights[name] ?? 0,
      score: result.scores?.[name],
      samples: size?.samples,
      tokens: size?.tokens,
      datasets: size?.datasets,
      warnings: [],
    };
  });
  const plan: MixturePlan = { stored, result, ...resolved, domains, warnings: [] };
  if (resolved.budget !== undefined) applyBudget(plan, resolved.budget);
  return plan;
}

function applyBudget(plan: MixturePlan, budget: number): void {
  const { domains, unit } = plan;
  if (unit === 'samples') {
    const parts = apportion(domains.map((d) => d.weight), Math.round(budget));
    domains.forEach((d, i) => {
      d.impliedSamples = parts[i];
      if (d.samples) d.epochs = parts[i] / d.samples;
    });
  } else {
    const missing = { tokens: [] as string[], samples: [] as string[] };
    for (const d of domains) {
      d.impliedTokens = d.weight * budget;
      if (d.tokens && d.samples) {
        d.impliedSamples = Math.round(d.impliedTokens / (d.tokens / d.samples));
        d.epochs = d.impliedTokens / d.tokens;
      } else if (d.weight > 0) {
        missing[d.tokens ? 'samples' : 'tokens'].push(JSON.stringify(d.name));
      }
    }
    for (const [field, names] of Object.entries(missing)) {
      if (names.length === 0) continue;
      const count = field === 'tokens' ? 'token' : 'sample';
      // Each affected domain carries the warning too, so per-domain exports (the CSV rows) show it.
      for (const d of domains) {
        if (names.includes(JSON.stringify(d.name))) {
          d.warnings.push(`Domain ${JSON.stringify(d.name)} has no ${count} count, so its implied samples and epochs are unknown; add "${field}" to it in the statistics set, or export with unit=samples.`);
        }
      }
      plan.warnings.push(
        `Domains ${names.join(', ')} have no ${count} count, so their implied samples and epochs are unknown; add "${field}" to those domains in the statistics set, or export with unit=samples.`,
      );
    }
  }
  for (const d of domains) warnDomain(plan, d, budget);
}

/** Adds the rounding and epoch warnings of `d` to the domain and to the plan. */
function warnDomain(plan: MixturePlan, d: DomainPlan, budget: number): void {
  const name = JSON.stringify(d.name);
  const warnings: string[] = [];
  if (d.weight > 0 && d.impliedSamples === 0) {
    warnings.push(
      `Domain ${name} has weight ${d.weight.toPrecision(3)} but rounds to 0 samples at a budget of ${budget} ${plan.unit}, so it would never be drawn; raise the budget or give it a minimum weight.`,
    );
  }
  if (d.epochs !== undefined && d.epochs > plan.maxEpochs) {
    warnings.push(
      `Domain ${name} would be repeated ${d.epochs.toFixed(1)} times, more than maxEpochs ${plan.maxEpochs}; lower its weight or cap its epochs (the unimax method does).`,
    );
  }
  d.warnings.push(...warnings);
  plan.warnings.push(...warnings);
}
