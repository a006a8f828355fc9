import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { exportOptionsFromQuery, renderExport, singleQueryValues } from '../../core/exports/index.js';
import { jsonBody } from '../body.js';
import type { AppEnv } from '../env.js';
import { MAX_INLINE_BODY_BYTES, MIB } from '../limits.js';
import { rateLimit } from '../rate-limit.js';
import { CompareBody, ExportParams, ExportQuery, MixtureBody, ResultIdParam, StoredResultBody } from '../schemas.js';
import { resolveRuns, resolveStats, solveAndStore } from '../solve.js';
import { getResult } from '../store.js';
import { commonErrors, errorResponseSpec } from './openapi-common.js';

/** Routes under /v1: mixtures, their exports and comparisons. */
export const mixtures = new OpenAPIHono<AppEnv>();

const inlineHint = 'store the set first with POST /v1/stats and pass its id as "stats"';

const computeErrors = {
  ...commonErrors,
  404: errorResponseSpec('The stats id is not stored.'),
  413: errorResponseSpec(`Body larger than ${MAX_INLINE_BODY_BYTES / MIB} MiB.`),
  415: errorResponseSpec('Body is not application/json.'),
  429: errorResponseSpec('Rate limit reached; see Retry-After.'),
};

const computed = (description: string) => ({
  200: { description: `${description} (already stored, \`x-madmix-cache: hit\`).`, content: { 'application/json': { schema: StoredResultBody } } },
  201: { description: `${description} (computed now, \`x-madmix-cache: miss\`).`, content: { 'application/json': { schema: StoredResultBody } } },
});

const mixtureRoute = createRoute({
  method: 'post',
  path: '/mixtures',
  summary: 'Compute a data mixture',
  description: 'Public; rate-limited per client unless a bearer token is sent. Results are stored and shared at /m/<id>.',
  middleware: [rateLimit, jsonBody(MAX_INLINE_BODY_BYTES, inlineHint)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: MixtureBody } } } },
  responses: { ...computed('The stored result'), ...computeErrors },
});

mixtures.openapi(mixtureRoute, async (c) => {
  const body = c.req.valid('json');
  const stats = await resolveStats(c, body.stats);
  const runs = resolveRuns(stats.set, [{ method: body.method, params: body.params }]);
  return solveAndStore(c, 'mixture', stats, runs) as never;
});

const compareRoute = createRoute({
  method: 'post',
  path: '/compare',
  summary: 'Compare 2 to 8 methods on one set',
  middleware: [rateLimit, jsonBody(MAX_INLINE_BODY_BYTES, inlineHint)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CompareBody } } } },
  responses: { ...computed('The stored comparison'), ...computeErrors },
});

mixtures.openapi(compareRoute, async (c) => {
  const body = c.req.valid('json');
  const stats = await resolveStats(c, body.stats);
  const runs = resolveRuns(stats.set, body.methods);
  return solveAndStore(c, 'compare', stats, runs) as never;
});

const getRoute = createRoute({
  method: 'get',
  path: '/mixtures/{id}',
  summary: 'A stored result',
  request: { params: ResultIdParam },
  responses: {
    200: { description: 'The stored result.', content: { 'application/json': { schema: StoredResultBody } } },
    404: errorResponseSpec('No such result.'),
  },
});

mixtures.openapi(getRoute, async (c) => {
  const { id } = c.req.valid('param');
  const stored = await getResult(c.env, id);
  // Stored results never change, so clients and caches may keep them.
  c.header('cache-control', 'public, max-age=31536000, immutable');
  return c.json({ ...stored, url: new URL(`/m/${id}`, c.req.url).href }, 200);
});

const exportRoute = createRoute({
  method: 'get',
  path: '/mixtures/{id}/export/{format}',
  summary: 'Export a stored result for a training framework',
  request: { params: ExportParams, query: ExportQuery },
  responses: {
    200: { description: 'The file, as an attachment.', content: { 'text/plain': { schema: z.string() } } },
    404: errorResponseSpec('No such result or format.'),
    422: errorResponseSpec('Invalid or unknown query parameter, or a budget the format cannot write.'),
  },
});

// Runs before the route's zod check, which would report a repeated parameter as "expected string, received array".
mixtures.use('/mixtures/:id/export/:format', async (c, next) => {
  singleQueryValues(c.req.queries());
  await next();
});

mixtures.openapi(exportRoute, async (c) => {
  const { id, format } = c.req.valid('param');
  // Unknown names are rejected here, before the result is read; the zod schema only documents the parameters.
  const options = exportOptionsFromQuery(c.req.query());
  const stored = await getResult(c.env, id);
  const file = renderExport(stored, format as never, options);
  return c.body(file.body, 200, {
    'content-type': file.contentType,
    'content-disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
  }) as never;
});
