import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { requireRole } from '../auth.js';
import type { Context } from 'hono';
import { jsonBody, parseJson, readBody } from '../body.js';
import { validationError } from '../errors.js';
import type { AppEnv } from '../env.js';
import { MAX_SMALL_BODY_BYTES } from '../limits.js';
import { bearerSecurity, commonErrors, errorResponseSpec } from '../routes/openapi-common.js';
import { jobAccess } from './auth.js';
import { createJob } from './create.js';
import { completeJob } from './complete.js';
import { claimNext, releaseShardLease, renewShardLease } from './leases.js';
import { AnyJson, ClaimBody, CompleteBody, JobCreateBody, JobIdParam, ReleaseBody, ReleaseQuery, RenewBody, ShardParams } from './schemas.js';
import { loadJob, uploadShard } from './upload.js';

/** Routes under /v1/jobs: batch embedding jobs, their shard uploads, leases and completion. */
export const jobs = new OpenAPIHono<AppEnv>();

const small = jsonBody(MAX_SMALL_BODY_BYTES, 'send only the fields the route lists');
const json = (description: string) => ({ description, content: { 'application/json': { schema: AnyJson } } });
const jobErrors = { ...commonErrors, 403: errorResponseSpec('Token not allowed here.'), 404: errorResponseSpec('No such job or shard.') };

jobs.openapi(
  createRoute({
    method: 'post', path: '/', summary: 'Create a batch embedding job', security: bearerSecurity,
    description: 'Returns the job id, a job-scoped upload token (shown once) and the shell command that runs one shard.',
    middleware: [requireRole('write'), small] as const,
    request: { body: { required: true, content: { 'application/json': { schema: JobCreateBody } } } },
    responses: { 201: json('The job, its upload token and command.'), ...jobErrors },
  }),
  async (c) => c.json(await createJob(c, c.req.valid('json')), 201),
);

jobs.openapi(
  createRoute({
    method: 'post', path: '/claim', summary: 'Lease the next pending shard', security: bearerSecurity,
    description: 'For `--watch` workers: leases the first pending shard of the oldest open job, or returns 204 when none is pending.',
    middleware: [requireRole('write'), small] as const,
    request: { body: { required: true, content: { 'application/json': { schema: ClaimBody } } } },
    responses: { 200: json('The leased shard.'), 204: { description: 'Nothing pending.' }, ...jobErrors },
  }),
  async (c) => {
    const claim = await claimNext(c, c.req.valid('json'));
    return claim ? c.json(claim, 200) : c.body(null, 204);
  },
);

jobs.openapi(
  createRoute({
    method: 'get', path: '/{id}', summary: 'State of a job', security: bearerSecurity,
    middleware: [jobAccess('read')] as const,
    request: { params: JobIdParam },
    responses: { 200: json('Status, shards, totals and result.'), ...jobErrors },
  }),
  async (c) => c.json(await loadJob(c, c.req.valid('param').id), 200),
);

jobs.openapi(
  createRoute({
    method: 'put', path: '/{id}/shards/{index}', summary: 'Upload the statistics of one shard', security: bearerSecurity,
    description: 'Body: safetensors or stats JSON; header `x-content-sha256` is the sha256 hex of the body. Re-sending the same body returns 200; a different body for an uploaded shard is 409.',
    middleware: [jobAccess('write')] as const,
    request: { params: ShardParams },
    responses: { 200: json('Already uploaded.'), 201: json('Stored.'), ...jobErrors, 409: errorResponseSpec('A different part is uploaded, or the job is closed.') },
  }),
  async (c) => {
    const { id, index } = c.req.valid('param');
    return uploadShard(c, id, Number(index)) as never;
  },
);

jobs.openapi(
  createRoute({
    method: 'post', path: '/{id}/complete', summary: 'Merge the parts and compute the mixture', security: bearerSecurity,
    middleware: [jobAccess('write')] as const,
    description: 'Optional body `{"allowPartial": true}` merges the shards present when some are missing.',
    request: { params: JobIdParam },
    responses: { 200: json('Already completed.'), 201: json('Completed now.'), ...jobErrors, 409: errorResponseSpec('Shards missing.') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const allowPartial = await readAllowPartial(c);
    const { result, created } = await completeJob(c, id, allowPartial);
    const { statsId, mixtureId, url, shardsIncluded, partial } = result;
    return c.json({ jobId: id, statsId, mixtureId, url, shardsIncluded, partial }, created ? 201 : 200) as never;
  },
);

/** Reads the optional complete body; an empty body means `allowPartial: false`. */
async function readAllowPartial(c: Context<AppEnv>): Promise<boolean> {
  const text = new TextDecoder().decode(await readBody(c, MAX_SMALL_BODY_BYTES, 'send only {"allowPartial": true}'));
  if (!text.trim()) return false;
  const parsed = CompleteBody.safeParse(parseJson(text));
  if (!parsed.success) throw validationError(parsed.error, 'json');
  return parsed.data.allowPartial;
}

/** Reads the optional release body; returns the reported error, or undefined for a plain release. */
async function readReleaseFailure(c: Context<AppEnv>): Promise<string | undefined> {
  const text = new TextDecoder().decode(await readBody(c, MAX_SMALL_BODY_BYTES, 'send only {"failed": true, "error": "..."}'));
  if (!text.trim()) return undefined;
  const parsed = ReleaseBody.safeParse(parseJson(text));
  if (!parsed.success) throw validationError(parsed.error, 'json');
  return parsed.data.error;
}

const leaseRoute = { path: '/{id}/shards/{index}/lease', security: bearerSecurity } as const;

jobs.openapi(
  createRoute({
    ...leaseRoute, method: 'post', summary: 'Renew a shard lease',
    middleware: [requireRole('write'), small] as const,
    request: { params: ShardParams, body: { required: true, content: { 'application/json': { schema: RenewBody } } } },
    responses: { 200: json('The renewed lease.'), ...jobErrors, 409: errorResponseSpec('Lease lost or shard uploaded.') },
  }),
  async (c) => {
    const { id, index } = c.req.valid('param');
    return c.json(await renewShardLease(c, id, Number(index), c.req.valid('json')), 200);
  },
);

jobs.openapi(
  createRoute({
    ...leaseRoute, method: 'delete', summary: 'Release a shard lease',
    description: 'Optional body `{"failed": true, "error": "..."}` reports a failed run: the shard waits before it is offered again and is marked failed after 3 failed runs.',
    middleware: [requireRole('write')] as const,
    request: { params: ShardParams, query: ReleaseQuery },
    responses: { 200: json('Whether the lease was still held.'), ...jobErrors },
  }),
  async (c) => {
    const { id, index } = c.req.valid('param');
    const failure = await readReleaseFailure(c);
    return c.json(await releaseShardLease(c, id, Number(index), c.req.valid('query').leaseId, failure), 200);
  },
);
