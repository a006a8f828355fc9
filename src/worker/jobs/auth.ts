import type { Context, MiddlewareHandler } from 'hono';
import { MadmixError } from '../../core/errors.js';
import { tokenRole } from '../auth.js';
import type { AppEnv } from '../env.js';
import { sha256Hex } from '../store.js';
import { JOB_TOKEN_PREFIX } from './types.js';

const JOB_TOKEN = /^mjt_([0-9a-f]{32})_[0-9a-f]{64}$/;

/** Paths a job token may use, with the job id it must match: GET the job, PUT a shard, complete. */
const JOB_TOKEN_ROUTES: { method: string; pattern: RegExp }[] = [
  { method: 'GET', pattern: /^\/v1\/jobs\/([0-9a-f]{32})\/?$/ },
  // Any index segment passes here, so a malformed one gets the route's 404 whatever the token.
  { method: 'PUT', pattern: /^\/v1\/jobs\/([0-9a-f]{32})\/shards\/[^/]+\/?$/ },
  { method: 'POST', pattern: /^\/v1\/jobs\/([0-9a-f]{32})\/complete\/?$/ },
];

/** Returns the bearer token when it is a job token (`mjt_` prefix), else undefined. */
function jobBearer(c: Context<AppEnv>): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '');
  return match && match[1].startsWith(JOB_TOKEN_PREFIX) ? match[1] : undefined;
}

/**
 * App-wide guard: a job token works only on its own job's GET, shard PUT and
 * complete routes. Anywhere else it gets 403 instead of the 401 that an
 * unknown token would get, so the caller learns that the token is scoped.
 */
export const jobTokenScope: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = jobBearer(c);
  if (token !== undefined) {
    const tokenJob = JOB_TOKEN.exec(token)?.[1];
    const allowed = JOB_TOKEN_ROUTES.some((r) => r.method === c.req.method && r.pattern.exec(c.req.path)?.[1] === tokenJob);
    if (tokenJob && !allowed) {
      throw new MadmixError('forbidden', `A job token only reads, uploads shards to and completes its own job (${tokenJob}); use a write token for ${c.req.method} ${c.req.path}.`, {
        job: tokenJob,
      });
    }
  }
  await next();
};

/**
 * Authorizes a request on job `:id`: a job token of that job (checked by its
 * Durable Object, which stores the token's expiry), or a global token with at
 * least `role`.
 */
export function jobAccess(role: 'read' | 'write'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = jobBearer(c);
    if (token !== undefined) {
      const jobId = JOB_TOKEN.exec(token)?.[1];
      if (!jobId) throw new MadmixError('unauthorized', 'Malformed job token; use the uploadToken returned by POST /v1/jobs.');
      const stub = c.env.JOBS.get(c.env.JOBS.idFromName(jobId));
      const verdict = await stub.authorize(await sha256Hex(token));
      if (verdict === 'expired') {
        throw new MadmixError('unauthorized', `The job token of job ${jobId} has expired; finish the job with a write token or create a new job.`, {
          job: jobId,
        });
      }
      if (verdict !== 'ok') throw new MadmixError('unauthorized', 'Invalid job token; use the uploadToken returned by POST /v1/jobs.');
      await next();
      return;
    }
    const actual = await tokenRole(c);
    if (!actual) throw new MadmixError('unauthorized', 'Missing bearer token; send `Authorization: Bearer <token>`.');
    if (role === 'write' && actual !== 'write') {
      throw new MadmixError('forbidden', 'This token is read-only; this request needs a write token or the job token.');
    }
    c.set('role', actual);
    await next();
  };
}
