import { MadmixError, show } from '../errors.js';
import type { LinalgBackend } from '../linalg/backend.js';
import type { StatsSet } from '../stats/types.js';
import { buildMadmixProblem, madmixOptions } from './madmix.js';
import { resolveParams } from './params.js';
import { solveRidge } from './ridge.js';
import type { RegularizationPath } from './types.js';
import { softmax } from './weights.js';

export const PATH_LAMBDA_MIN = 1e-3;
export const PATH_LAMBDA_MAX = 1e4;
export const PATH_MAX_POINTS = 200;

/**
 * MaD-Mix weights and effective dimension over a log grid of `lambda` from
 * 1e-3 to 1e4. `params` takes the `madmix` parameters; a `lambda` in it is
 * ignored because the grid sets it. The kernel is built once and refactored per point.
 */
export function regularizationPath(
  set: StatsSet,
  params: Record<string, unknown> = {},
  options: { backend: LinalgBackend; points?: number },
): RegularizationPath {
  const points = options.points ?? 25;
  if (!Number.isInteger(points) || points < 2 || points > PATH_MAX_POINTS) {
    throw new MadmixError('invalid_parameter', `Invalid points ${show(points)}; use an integer from 2 to ${PATH_MAX_POINTS}.`, {
      field: 'points',
      value: points,
    });
  }
  const { lambda: _ignored, ...rest } = params;
  const resolved = madmixOptions(resolveParams({ method: 'madmix', params: rest }, set));
  const { names, problem } = buildMadmixProblem(set, resolved, options.backend);

  const lambdas = logGrid(PATH_LAMBDA_MIN, PATH_LAMBDA_MAX, points);
  const weights: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const effectiveDimension: number[] = [];
  for (const lambda of lambdas) {
    const solution = solveRidge(problem, lambda, options.backend);
    const p = softmax(solution.scores, resolved.temperature);
    names.forEach((name, i) => weights[name].push(p[i]));
    effectiveDimension.push(solution.effectiveDimension);
  }
  return { lambdas, weights, effectiveDimension };
}

function logGrid(min: number, max: number, points: number): number[] {
  const step = (Math.log10(max) - Math.log10(min)) / (points - 1);
  return Array.from({ length: points }, (_, i) => 10 ** (Math.log10(min) + i * step));
}
