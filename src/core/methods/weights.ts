import { MadmixError } from '../errors.js';

/**
 * Returns `softmax(logits / temperature)`, computed stably: the maximum logit is
 * subtracted before exponentiating, so large logits cannot overflow, and the
 * result is renormalized so it sums to 1.
 */
export function softmax(logits: ArrayLike<number>, temperature: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i] / temperature;
    if (!Number.isFinite(z)) {
      throw new MadmixError(
        'invalid_parameter',
        `Score ${i} divided by temperature ${temperature} is not finite (${logits[i]}); use a larger temperature or check the statistics.`,
        { field: 'temperature', value: temperature, index: i },
      );
    }
    if (z > max) max = z;
  }
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = Math.exp(logits[i] / temperature - max);
  return normalizeWeights(out, 'softmax');
}

/**
 * Scales nonnegative `values` to sum to 1, checking they are finite, nonnegative
 * and not all zero. `source` names what produced them for the error message.
 */
export function normalizeWeights(values: ArrayLike<number>, source: string): Float64Array {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < 0) {
      throw new MadmixError('invalid_parameter', `The ${source} weight at index ${i} is ${v}, not a finite value ≥ 0; check the inputs.`, {
        source,
        index: i,
      });
    }
    total += v;
  }
  if (!(total > 0)) {
    throw new MadmixError('invalid_parameter', `Every ${source} weight is 0, so no mixture can be formed; give some domain a positive weight.`, {
      source,
    });
  }
  // Finite values near the largest double can sum to Infinity. Dividing by the
  // largest first keeps their proportions and a finite sum (at most the count).
  const scaled = Number.isFinite(total) ? values : scaleByMax(values);
  if (scaled !== values) total = sumOf(scaled);
  const out = Float64Array.from(scaled, (v) => v / total);
  // A second pass absorbs the rounding of the first, so the sum is 1 to within a few ulps.
  const again = sumOf(out);
  for (let i = 0; i < out.length; i++) out[i] /= again;
  return out;
}

function sumOf(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

function scaleByMax(values: ArrayLike<number>): Float64Array {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  return Float64Array.from(values, (v) => v / max);
}

/** Maps values in domain order to an object keyed by domain name. */
export function byName(names: string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((name, i) => (out[name] = values[i]));
  return out;
}
