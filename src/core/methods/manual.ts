import { MadmixError, show } from '../errors.js';
import type { StatsSet } from '../stats/types.js';
import type { MethodOutput } from './output.js';
import { normalizeWeights } from './weights.js';

/** `manual` method: user weights keyed by domain name, normalized to sum to 1. */
export function manualMethod(set: StatsSet, params: Record<string, unknown>): MethodOutput {
  // normalizeWeights rescales weights whose sum overflows, such as two weights of 1e308.
  return { weights: normalizeWeights(checkManualWeights(params.weights, set), 'manual') };
}

/**
 * Checks manual weights against the set: an object with a finite weight ≥ 0 for
 * every domain, no unknown names and not all zero. Returns them in domain order.
 */
export function checkManualWeights(weights: unknown, set: StatsSet): number[] {
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) {
    throw new MadmixError('invalid_parameter', `Invalid weights ${show(weights)}; use an object of weights keyed by domain name, e.g. {"general": 2, "language": 1}.`, {
      field: 'weights',
      value: weights,
    });
  }
  const given = weights as Record<string, unknown>;
  const names = set.domains.map((d) => d.name);
  for (const name of Object.keys(given)) {
    if (!names.includes(name)) {
      throw new MadmixError('unknown_domain', `Manual weight for unknown domain ${show(name)}; use the set's domain names: ${names.join(', ')}.`, {
        field: 'weights',
        domain: name,
      });
    }
  }
  const values = names.map((name) => {
    // Own keys only, so a domain named "constructor" or "toString" is not read from Object.prototype.
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined) {
      throw new MadmixError('invalid_parameter', `Manual weights miss domain ${show(name)}; give every domain a weight (0 to leave it out).`, {
        field: 'weights',
        domain: name,
      });
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new MadmixError('invalid_parameter', `Manual weight ${show(value)} for domain ${show(name)} is invalid; use a finite number ≥ 0.`, {
        field: 'weights',
        domain: name,
        value,
      });
    }
    return value;
  });
  if (!values.some((v) => v > 0)) {
    throw new MadmixError('invalid_parameter', 'Every manual weight is 0; give at least one domain a positive weight.', { field: 'weights' });
  }
  return values;
}
