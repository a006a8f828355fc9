import { MadmixError, show } from '../errors.js';
import type { StatsSet } from '../stats/types.js';
import { checkManualWeights } from './manual.js';
import type { MethodName, MixtureRequest } from './types.js';

export const METHODS: readonly MethodName[] = [
  'madmix',
  'avg',
  'modality',
  'chameleon',
  'uniform',
  'proportional',
  'temperature',
  'unimax',
  'manual',
];

/** Bounds on `temperature`: beyond them the weights are one-hot or uniform to within rounding. */
export const TEMPERATURE_MIN = 1e-12;
export const TEMPERATURE_MAX = 1e12;

/**
 * Largest training budget, in samples or tokens: 1e15 is about 60 times the
 * largest published training runs (near 1.5e13 tokens) and stays below 2^53,
 * so whole-sample counts derived from it are exact integers.
 */
export const MAX_BUDGET = 1e15;

/** Bounds on `lambda`: outside them the ridge system is either unregularized or all shrinkage. */
export const LAMBDA_MIN = 1e-12;
export const LAMBDA_MAX = 1e12;

/**
 * Default parameters per method. `modality` (for `modality` and `chameleon`)
 * defaults to the set's only modality and is required when there are several.
 * `budget` for `unimax` defaults to the total size (one pass over all data).
 * The MaD-Mix and Chameleon defaults follow the method definitions (lambda = 10,
 * tau = 1, finetune stage). Temperature sampling T = 2 and the UniMax cap of
 * 4 epochs are this project's choices, because those methods fix no default.
 */
export const DEFAULTS: Record<MethodName, Record<string, unknown>> = {
  madmix: { lambda: 10, temperature: 1, normalize: 'none' },
  avg: { lambda: 10, temperature: 1, normalize: 'none' },
  modality: { lambda: 10, temperature: 1, normalize: 'none' },
  chameleon: { lambda: 10, stage: 'finetune' },
  uniform: {},
  proportional: { size: 'samples' },
  temperature: { temperature: 2, size: 'samples' },
  unimax: { maxEpochs: 4, size: 'samples' },
  manual: {},
};

/** Parameters each method accepts; those not in DEFAULTS are either derived from the set or required. */
const ACCEPTED: Record<MethodName, readonly string[]> = {
  madmix: ['lambda', 'temperature', 'normalize'],
  avg: ['lambda', 'temperature', 'normalize'],
  modality: ['modality', 'lambda', 'temperature', 'normalize'],
  chameleon: ['modality', 'lambda', 'stage'],
  uniform: [],
  proportional: ['size'],
  temperature: ['temperature', 'size'],
  unimax: ['budget', 'maxEpochs', 'size'],
  manual: ['weights'],
};

type Check = (value: unknown, set: StatsSet) => void;

const CHECKS: Record<string, Check> = {
  lambda: (v) => checkNumber('lambda', v, LAMBDA_MIN, LAMBDA_MAX, 'a number between 1e-12 and 1e12, e.g. 10'),
  temperature: (v) => checkNumber('temperature', v, TEMPERATURE_MIN, TEMPERATURE_MAX, 'a number from 1e-12 to 1e12, e.g. 1'),
  budget: (v) => checkNumber('budget', v, Number.MIN_VALUE, MAX_BUDGET, 'a number above 0 and at most 1e15 in the unit of `size`'),
  maxEpochs: (v) => checkNumber('maxEpochs', v, Number.MIN_VALUE, Number.MAX_VALUE, 'a positive number, e.g. 4'),
  normalize: (v) => checkChoice('normalize', v, ['none', 'l2']),
  stage: (v) => checkChoice('stage', v, ['pretrain', 'finetune']),
  size: (v) => checkChoice('size', v, ['samples', 'tokens']),
  modality: (v, set) => checkChoice('modality', v, set.modalities.map((m) => m.name)),
  weights: (v, set) => void checkManualWeights(v, set),
};

/** Validates `request` against `set` and returns every parameter the method will use, defaults filled in. */
export function resolveParams(request: MixtureRequest, set: StatsSet): Record<string, unknown> {
  const method = request?.method;
  if (!METHODS.includes(method)) {
    throw new MadmixError(
      'unknown_method',
      `Unknown method ${show(method)}; use one of ${METHODS.join(', ')}.`,
      { method, valid: [...METHODS] },
    );
  }
  const given = request.params ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw invalid('params', given, 'pass parameters as an object keyed by name');
  }
  const accepted = ACCEPTED[method];
  for (const name of Object.keys(given)) {
    if (!accepted.includes(name)) {
      const valid = accepted.length > 0 ? accepted.join(', ') : 'none';
      throw new MadmixError(
        'unknown_parameter',
        `Unknown parameter ${show(name)} for method ${method}; valid parameters: ${valid}.`,
        { method, parameter: name, valid: [...accepted] },
      );
    }
  }
  const params: Record<string, unknown> = { ...DEFAULTS[method] };
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    CHECKS[name](value, set);
    params[name] = value;
  }
  fillDerived(method, params, set);
  return params;
}

function fillDerived(method: MethodName, params: Record<string, unknown>, set: StatsSet): void {
  if ((method === 'modality' || method === 'chameleon') && params.modality === undefined) {
    if (set.modalities.length !== 1) {
      const names = set.modalities.map((m) => m.name).join(', ');
      throw missing('modality', `choose one of the set's modalities: ${names}`);
    }
    params.modality = set.modalities[0].name;
  }
  if (method === 'proportional' || method === 'temperature' || method === 'unimax') {
    const sizes = domainSizes(set, params.size as 'samples' | 'tokens');
    if (method === 'unimax' && params.budget === undefined) params.budget = sizes.reduce((a, b) => a + b, 0);
  }
  if (method === 'manual' && params.weights === undefined) {
    throw missing('weights', 'pass an object of weights keyed by domain name');
  }
}

/** Returns each domain's size in `unit`; throws when a domain lacks it or no domain has a positive size. */
export function domainSizes(set: StatsSet, unit: 'samples' | 'tokens'): number[] {
  const sizes = set.domains.map((d) => {
    const n = d[unit];
    if (n === undefined) {
      const other = unit === 'samples' ? 'tokens' : 'samples';
      throw new MadmixError(
        'invalid_parameter',
        `Domain ${show(d.name)} has no ${unit} count, which size=${unit} needs for every domain; add "${unit}" to each domain of the statistics set, or use size=${other}.`,
        { field: 'size', value: unit, domain: d.name },
      );
    }
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new MadmixError(
        'invalid_parameter',
        `Domain ${show(d.name)} has ${unit} = ${show(n)}, but size-based methods need a finite ${unit} count ≥ 0 for every domain; add it to the statistics or use size=${unit === 'samples' ? 'tokens' : 'samples'}.`,
        { field: 'size', value: unit, domain: d.name },
      );
    }
    return n;
  });
  if (!sizes.some((n) => n > 0)) {
    throw new MadmixError('invalid_parameter', `Every domain has ${unit} = 0; give at least one domain a positive size.`, {
      field: 'size',
      value: unit,
    });
  }
  return sizes;
}

function checkNumber(field: string, value: unknown, min: number, max: number, fix: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const notFinite = typeof value === 'number' && !Number.isFinite(value) && !Number.isNaN(value) ? 'the value is not finite, so ' : '';
    throw invalid(field, value, `${notFinite}use ${fix}`);
  }
}

function checkChoice(field: string, value: unknown, choices: string[]): void {
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw invalid(field, value, `use one of ${choices.join(', ')}`);
  }
}

function missing(field: string, fix: string): MadmixError {
  return new MadmixError('invalid_parameter', `Missing parameter ${field}; ${fix}.`, { field });
}

export function invalid(field: string, value: unknown, fix: string): MadmixError {
  return new MadmixError('invalid_parameter', `Invalid ${field} ${show(value)}; ${fix}.`, { field, value });
}
