import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { embedArgs, runArgs } from './command.js';
import { REGISTRY_NAME } from './coordinator.js';
import { randomHex } from './create.js';
import { isFault } from './state.js';
import type { Lease } from './types.js';
import { checkShardIndex, jobStub, loadJob, unwrap } from './upload.js';

const registry = (c: Context<AppEnv>) => c.env.JOBS.get(c.env.JOBS.idFromName(REGISTRY_NAME));

/**
 * Leases the first claimable shard of the open jobs, oldest job first. Each
 * job's object hands a shard to one caller only; jobs that completed, failed
 * or vanished are dropped from the registry on the way.
 */
export async function claimNext(c: Context<AppEnv>, body: { worker: string; leaseSeconds: number }) {
  for (const jobId of await registry(c).registryList()) {
    const leaseId = randomHex(16);
    const claimed = await jobStub(c, jobId).claim(body.worker, leaseId, body.leaseSeconds);
    if (isFault(claimed) || claimed === null) {
      const status = await jobStub(c, jobId).status();
      if (status === null || status === 'completed' || status === 'failed') await registry(c).registryRemove(jobId);
      continue;
    }
    const job = await loadJob(c, jobId);
    const origin = new URL(c.req.url).origin;
    return {
      jobId,
      shardIndex: claimed.index,
      shardCount: job.plan.shards,
      leaseId: claimed.lease.id,
      leaseExpiresAt: new Date(claimed.lease.expiresAt).toISOString(),
      plan: job.plan,
      runArgs: runArgs(origin, jobId, job.plan, claimed.index),
      embedArgs: embedArgs(job.plan),
    };
  }
  return undefined;
}

export async function renewShardLease(c: Context<AppEnv>, jobId: string, index: number, body: { leaseId: string; leaseSeconds: number }) {
  checkShardIndex(index, (await loadJob(c, jobId)).plan.shards, jobId);
  const lease = unwrap(await jobStub(c, jobId).renew(index, body.leaseId, body.leaseSeconds)) as Lease;
  return { jobId, shardIndex: index, leaseId: lease.id, leaseExpiresAt: new Date(lease.expiresAt).toISOString() };
}

/** Releases a lease; `error` reports a failed run, which counts towards the shard's attempts. */
export async function releaseShardLease(c: Context<AppEnv>, jobId: string, index: number, leaseId: string, error?: string) {
  checkShardIndex(index, (await loadJob(c, jobId)).plan.shards, jobId);
  const released = unwrap(await jobStub(c, jobId).release(index, leaseId, error));
  return { jobId, shardIndex: index, released };
}
