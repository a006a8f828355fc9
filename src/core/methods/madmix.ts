import { MadmixError, show } from '../errors.js';
import type { LinalgBackend } from '../linalg/backend.js';
import type { StatsSet } from '../stats/types.js';
import type { MethodOutput } from './output.js';
import { buildRidgeProblem, centroidBlocks, checkProblemSize, gramSpectrum, solveRidge } from './ridge.js';
import { byName, softmax } from './weights.js';

export interface MadmixOptions {
  lambda: number;
  temperature: number;
  normalize: 'none' | 'l2';
  /** Modalities to couple; all of the set's by default. */
  modalities?: string[];
  /** Domains to include, as indices into `set.domains`; all by default. */
  domainIndices?: number[];
  /** Skips the eigendecomposition behind `spectrum` (used by the per-modality runs of `avg`). */
  skipSpectrum?: boolean;
}

/** Result of one MaD-Mix run; weights are over the selected domains, in selection order. */
export interface MadmixRun extends MethodOutput {
  names: string[];
}

/** Builds the MaD-Mix ridge problem for a selection, rejecting domains that have none of the modalities. */
export function buildMadmixProblem(set: StatsSet, options: MadmixOptions, backend: LinalgBackend) {
  const modalities = options.modalities ?? set.modalities.map((m) => m.name);
  const indices = options.domainIndices ?? set.domains.map((_, i) => i);
  const names = indices.map((i) => set.domains[i].name);
  const widths = modalities.map((m) => set.modalities.find((info) => info.name === m)?.dim ?? 0);
  checkProblemSize(indices.length, widths.reduce((a, b) => a + b, 0));
  const blocks = centroidBlocks(set, modalities, indices, options.normalize);
  const problem = buildRidgeProblem(blocks, indices.length, backend);
  problem.delta.forEach((count, i) => {
    if (count === 0) {
      throw new MadmixError(
        'invalid_stats',
        `Domain ${show(names[i])} has no statistics for any of the modalities ${modalities.join(', ')}; add its embeddings or drop the domain.`,
        { domain: names[i] },
      );
    }
  });
  return { names, modalities, problem };
}

/** Runs MaD-Mix: ridge alignment with one coupling variable per domain shared by its modalities. */
export function runMadmix(set: StatsSet, options: MadmixOptions, backend: LinalgBackend): MadmixRun {
  const { names, modalities, problem } = buildMadmixProblem(set, options, backend);
  const solution = solveRidge(problem, options.lambda, backend);
  const modalityScores: Record<string, Record<string, number>> = {};
  problem.blocks.forEach((block, v) => (modalityScores[block.modality] = byName(names, solution.modalityScores[v])));
  return {
    names,
    weights: softmax(solution.scores, options.temperature),
    scores: byName(names, solution.scores),
    alpha: byName(names, solution.alpha),
    modalityScores,
    kernel: {
      effectiveDimension: solution.effectiveDimension,
      spectrum: options.skipSpectrum ? undefined : gramSpectrum(problem, backend),
      side: problem.side,
      modalities,
    },
  };
}

/** `madmix` method: MaD-Mix over every domain and modality of the set. */
export function madmixMethod(set: StatsSet, params: Record<string, unknown>, backend: LinalgBackend): MethodOutput {
  const { names: _names, ...output } = runMadmix(set, madmixOptions(params), backend);
  return output;
}

export function madmixOptions(params: Record<string, unknown>): MadmixOptions {
  return {
    lambda: params.lambda as number,
    temperature: params.temperature as number,
    normalize: params.normalize as 'none' | 'l2',
  };
}
