import { MadmixError } from '../errors.js';

/** Creates the error both backends raise when `A + shift I` has a non-positive pivot. */
export function notPositiveDefinite(index: number, pivot: number): MadmixError {
  return new MadmixError(
    'invalid_parameter',
    `The kernel plus lambda * I is not positive definite (pivot ${pivot} at row ${index}); use a larger lambda.`,
    { row: index, pivot },
  );
}
