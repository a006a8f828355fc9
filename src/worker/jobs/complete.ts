import type { Context } from 'hono';
import { MadmixError } from '../../core/errors.js';
import { mergeStats, parseSafetensors, validateStats } from '../../core/stats/index.js';
import type { StatsSet } from '../../core/stats/types.js';
import type { AppEnv } from '../env.js';
import { resolveRuns, resolveStats, solveAndStore } from '../solve.js';
import { putStats } from '../store.js';
import { REGISTRY_NAME } from './coordinator.js';
import { shardPartKey, type JobPlan, type JobResult } from './types.js';
import { jobStub, loadJob, unwrap } from './upload.js';

/** Merges the parts with mergeStats in shard-index order; memory contains the running merge and one part. */
async function mergeParts(c: Context<AppEnv>, jobId: string, parts: number[]): Promise<StatsSet> {
  let merged: StatsSet | undefined;
  for (const index of parts) {
    const object = await c.env.STATS.get(shardPartKey(jobId, index));
    if (!object) {
      throw new MadmixError('internal', `Shard ${index} of job ${jobId} is registered but its R2 object is missing.`, { shardIndex: index });
    }
    const part = parseSafetensors(new Uint8Array(await object.arrayBuffer()));
    merged = merged ? mergeStats(merged, part) : part;
  }
  return merged as StatsSet;
}

/** Computes and stores the plan's mixture through the same path as POST /v1/mixtures; returns its id and share URL. */
async function storeMixture(c: Context<AppEnv>, statsId: string, mixture: NonNullable<JobPlan['mixture']>): Promise<{ id: string; url: string }> {
  const stats = await resolveStats(c, statsId);
  const runs = resolveRuns(stats.set, [{ method: mixture.method, params: mixture.params }]);
  const response = await solveAndStore(c, 'mixture', stats, runs);
  const stored = (await response.json()) as { id: string; url: string };
  return { id: stored.id, url: stored.url };
}

/**
 * Completes job `jobId`: merges its parts, stores the merged set as a normal
 * statistics set and computes the planned mixture. Every step is idempotent
 * (content-addressed set, deterministic mixture id, first result kept), so a
 * retry or a second call returns the same ids.
 */
export async function completeJob(c: Context<AppEnv>, jobId: string, allowPartial: boolean): Promise<{ result: JobResult; created: boolean }> {
  const job = await loadJob(c, jobId);
  const stub = jobStub(c, jobId);
  const prepared = unwrap(await stub.prepareCompletion(allowPartial));
  if ('result' in prepared) return { result: prepared.result, created: false };

  const merged = await mergeParts(c, jobId, prepared.parts);
  let statsId: string | undefined;
  let mixture: { id: string; url: string } | undefined;
  try {
    validateStats(merged);
    statsId = (await putStats(c.env, merged)).id;
    if (job.plan.mixture) mixture = await storeMixture(c, statsId, job.plan.mixture);
  } catch (err) {
    // With every shard in, the set cannot change any more, so an invalid set or mixture request fails the job for good.
    // A valid merged set stays stored and its id is recorded, so the embedding work is kept when only the mixture failed.
    if (err instanceof MadmixError && err.status === 422 && !prepared.partial) {
      await stub.fail(err.message, statsId);
      await c.env.JOBS.get(c.env.JOBS.idFromName(REGISTRY_NAME)).registryRemove(jobId);
      if (statsId) throw new MadmixError(err.code, `${err.message} The merged statistics are stored as ${statsId}.`, { ...err.details, statsId });
    }
    throw err;
  }
  const result = unwrap(
    await stub.finishCompletion({ statsId: statsId as string, mixtureId: mixture?.id, url: mixture?.url, shardsIncluded: prepared.parts, partial: prepared.partial }),
  );
  await c.env.JOBS.get(c.env.JOBS.idFromName(REGISTRY_NAME)).registryRemove(jobId);
  return { result, created: true };
}
