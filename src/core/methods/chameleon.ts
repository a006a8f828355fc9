import { MadmixError, show } from '../errors.js';
import type { LinalgBackend } from '../linalg/backend.js';
import type { StatsSet } from '../stats/types.js';
import { centroidBlocks, checkKernel } from './kernel-input.js';
import type { MethodOutput } from './output.js';
import { checkProblemSize } from './ridge.js';
import { domainsWith, expandWeights, missingWarning, requireSome } from './single-modality.js';
import { byName, normalizeWeights, softmax } from './weights.js';

/** Chameleon's softmax temperatures: finetuning favors unique domains, pretraining common ones. */
export const FINETUNE_TEMPERATURE = 0.2;
export const PRETRAIN_TEMPERATURE = 5.0;

/**
 * `chameleon` method (Xie, Tonin, Cevher, ICML 2025): kernel ridge leverage
 * scores of the centered kernel of one modality, over the domains that have it.
 * `L_i = [Kc (Kc + lambda k I)^-1]_ii`. The softmax runs on the normalized
 * leverage `L / sum(L)`, which is what the reference outputs match.
 */
export function chameleonMethod(set: StatsSet, params: Record<string, unknown>, backend: LinalgBackend): MethodOutput {
  const modality = params.modality as string;
  const lambda = params.lambda as number;
  const indices = domainsWith(set, modality);
  requireSome(indices, modality);
  const names = indices.map((i) => set.domains[i].name);
  const k = indices.length;
  checkProblemSize(k, set.modalities.find((m) => m.name === modality)?.dim ?? 0);
  const [block] = centroidBlocks(set, [modality], indices, 'none');
  const centered = centerRows(block.rows, k, block.dim);

  const side = k <= block.dim ? 'dual' : 'primal';
  const leverage = side === 'dual' ? leverageDual(centered, k, block.dim, lambda * k, backend, modality) : leveragePrimal(centered, k, block.dim, lambda * k, backend, modality);
  if (k < 2) {
    throw new MadmixError('invalid_stats', `Chameleon needs at least 2 domains with ${modality} statistics, got ${k}; add domains or use another method.`, {
      modality,
    });
  }
  if (!(leverage.reduce((a, b) => a + b, 0) > 0)) {
    throw new MadmixError(
      'invalid_stats',
      `Every ${modality} centroid of the ${k} domains is the same (or zero), so the centered kernel is zero and Chameleon's leverage is undefined; ` +
        'add domains whose embeddings differ, or choose another modality.',
      { modality, domains: k },
    );
  }
  const normalized = normalizeWeights(leverage, 'leverage');
  const zero = normalized.findIndex((l) => !(l > 0));
  if (params.stage === 'pretrain' && zero >= 0) {
    throw new MadmixError(
      'invalid_stats',
      `Domain ${show(names[zero])} has leverage 0 (its centroid equals the mean), so the pretraining weight 1/L is undefined; use stage=finetune or drop the domain.`,
      { domain: names[zero] },
    );
  }
  const logits = params.stage === 'pretrain' ? normalized.map((l) => 1 / l) : normalized;
  const temperature = params.stage === 'pretrain' ? PRETRAIN_TEMPERATURE : FINETUNE_TEMPERATURE;
  const weights = softmax(logits, temperature);

  const warning = missingWarning(set, indices, modality);
  return {
    weights: expandWeights(set.domains.length, indices, weights),
    scores: byName(names, normalized),
    leverage: byName(names, leverage),
    kernel: { effectiveDimension: leverage.reduce((a, b) => a + b, 0), side, modalities: [modality] },
    warnings: warning ? [warning] : undefined,
  };
}

/** Subtracts the mean row, so `Xc Xc^T = H K H` with `H = I - (1/k) 1 1^T`. */
function centerRows(rows: Float64Array, k: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < k; i++) for (let c = 0; c < dim; c++) mean[c] += rows[i * dim + c];
  for (let c = 0; c < dim; c++) mean[c] /= k;
  return rows.map((value, index) => value - mean[index % dim]);
}

/** Dual side: `L = diag(Kc (Kc + shift I)^-1)`, from solving against `Kc` itself. */
function leverageDual(xc: Float64Array, k: number, dim: number, shift: number, backend: LinalgBackend, modality: string): Float64Array {
  const kc = new Float64Array(k * k);
  backend.gramRows(xc, k, dim, kc);
  checkKernel(kc, k, [modality]);
  const factor = backend.cholesky(kc, k, shift);
  // (Kc + shift I)^-1 Kc is the transpose of Kc (Kc + shift I)^-1 and has the same diagonal.
  const solved = backend.choleskySolve(factor, k, kc, k);
  return Float64Array.from({ length: k }, (_, i) => solved[i * k + i]);
}

/** Primal side: `L_i = xc_i^T (Xc^T Xc + shift I)^-1 xc_i`, which never forms a `k x k` matrix. */
function leveragePrimal(xc: Float64Array, k: number, dim: number, shift: number, backend: LinalgBackend, modality: string): Float64Array {
  const gram = new Float64Array(dim * dim);
  backend.gramCols(xc, k, dim, gram);
  checkKernel(gram, dim, [modality]);
  const factor = backend.cholesky(gram, dim, shift);
  const transposed = new Float64Array(dim * k);
  for (let i = 0; i < k; i++) for (let c = 0; c < dim; c++) transposed[c * k + i] = xc[i * dim + c];
  const solved = backend.choleskySolve(factor, dim, transposed, k);
  const leverage = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += xc[i * dim + c] * solved[c * k + i];
    leverage[i] = s;
  }
  return leverage;
}
