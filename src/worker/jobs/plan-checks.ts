import { MadmixError, show } from '../../core/errors.js';
import { resolveParams } from '../../core/methods/params.js';
import type { MixtureRequest } from '../../core/methods/types.js';
import { validateStats } from '../../core/stats/index.js';
import type { StatsSet } from '../../core/stats/types.js';
import type { JobPlan } from './types.js';

/** Embed-script flags that run.ts sets itself for each shard; a plan's embedArgs may not contain them. */
export const JOB_CONTROLLED_FLAGS = ['--out', '--shard-index', '--shard-count', '--samples', '--seed', '--state-dir', '--restart'] as const;

/**
 * Builds a statistics set with the plan's names: every domain has every
 * planned modality with dim 1 and count 1. It replaces the merged set so
 * that names and mixture parameters are checked before any shard runs.
 */
function placeholderSet(plan: JobPlan): StatsSet {
  return {
    modalities: plan.modalities.map((m) => ({ name: m.name, dim: 1, model: m.model, layer: m.layer })),
    domains: plan.domains.map((d) => ({
      name: d.name,
      samples: 1,
      tokens: 1,
      datasets: d.datasets?.map((name) => ({ name })),
      stats: Object.fromEntries(plan.modalities.map((m) => [m.name, { count: 1, sum: new Float64Array(1) }])),
    })),
  } as StatsSet;
}

function checkEmbedArgs(args: string[] | undefined): void {
  const controlled = (args ?? []).filter((arg) => JOB_CONTROLLED_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
  if (controlled.length > 0) {
    throw new MadmixError(
      'invalid_parameter',
      `Field embedArgs contains ${show(controlled)}, which the job sets itself (${JOB_CONTROLLED_FLAGS.join(', ')}); remove them and use samplesPerDataset and seed for sampling.`,
      { field: 'embedArgs', rejected: controlled, controlled: [...JOB_CONTROLLED_FLAGS] },
    );
  }
}

/**
 * Rejects a plan that could never complete: names that statistics sets
 * reject, duplicate datasets, embed flags the job controls, and mixture
 * methods or parameters that are unknown, of the wrong type or out of range.
 * Checks that depend on the real sizes or embeddings (for example size
 * baselines needing samples in every domain) happen at completion.
 */
export function checkPlan(plan: JobPlan): void {
  checkEmbedArgs(plan.embedArgs);
  const set = placeholderSet(plan);
  try {
    validateStats(set);
  } catch (error) {
    if (!(error instanceof MadmixError)) throw error;
    throw new MadmixError('invalid_parameter', `Invalid plan: ${error.message}.`, { ...error.details, field: fieldOf(error.message) });
  }
  if (!plan.mixture) return;
  try {
    resolveParams(plan.mixture as MixtureRequest, set);
  } catch (error) {
    if (!(error instanceof MadmixError)) throw error;
    const parameter = error.details?.field ?? error.details?.parameter;
    const field = typeof parameter === 'string' ? `mixture.params.${parameter}` : 'mixture';
    throw new MadmixError(error.code, `Invalid field ${field}: ${error.message}`, { ...error.details, field });
  }
}

/** Picks the plan field (`domains[1].name`, `modalities[0].name`) a validateStats message starts with, else `domains`. */
function fieldOf(message: string): string {
  const match = /^(domains|modalities)\[\d+\]\.name/.exec(message) ?? /domains\[\d+\]/.exec(message);
  return match ? match[0] : /modalit/.test(message) ? 'modalities' : 'domains';
}
