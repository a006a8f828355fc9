import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';
import { sha256Hex } from '../store.js';
import { embedArgs, runArgs, runCommand, runCommandNote } from './command.js';
import { REGISTRY_NAME } from './coordinator.js';
import { checkPlan } from './plan-checks.js';
import type { JobCreateBody } from './schemas.js';
import { JOB_TOKEN_PREFIX, type JobPlan, type JobRecord } from './types.js';
import { jobStub, unwrap } from './upload.js';
import type { JobView } from './view.js';

/** Returns `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Creates a job in its own Durable Object and lists it in the registry. The
 * upload token is returned only here; the object stores its sha256.
 */
export async function createJob(c: Context<AppEnv>, body: z.infer<typeof JobCreateBody>) {
  const { name, tokenTtlHours, ...rest } = body;
  const plan: JobPlan = { ...rest };
  checkPlan(plan);
  const id = randomHex(16);
  const uploadToken = `${JOB_TOKEN_PREFIX}${id}_${randomHex(32)}`;
  const now = Date.now();
  const record: JobRecord = {
    id,
    name,
    createdAt: now,
    tokenHash: await sha256Hex(uploadToken),
    tokenExpiresAt: now + tokenTtlHours * 3_600_000,
    plan,
    dims: {},
    shards: Array.from({ length: plan.shards }, () => ({})),
  };
  const view = unwrap(await jobStub(c, id).create(record)) as JobView;
  await c.env.JOBS.get(c.env.JOBS.idFromName(REGISTRY_NAME)).registryAdd(id);
  const origin = new URL(c.req.url).origin;
  return {
    id,
    status: view.status,
    name,
    plan,
    uploadToken,
    expiresAt: view.tokenExpiresAt,
    command: runCommand(origin, id, uploadToken, plan),
    commandNote: runCommandNote(plan),
    runArgs: runArgs(origin, id, plan),
    embedArgs: embedArgs(plan),
  };
}
