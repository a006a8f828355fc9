import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { MadmixError, show } from '../../core/errors.js';
import { mergeStats, parseStats, statsToJson, summarizeStats, validateStats } from '../../core/stats/index.js';
import type { StatsSet } from '../../core/stats/types.js';
import { requireRole } from '../auth.js';
import { jsonBody, mediaType, readBody } from '../body.js';
import type { AppEnv } from '../env.js';
import { MAX_MERGE_INPUT_BYTES, MAX_SMALL_BODY_BYTES, MAX_UPLOAD_BODY_BYTES, MIB } from '../limits.js';
import { DownloadQuery, ListQuery, MergeBody, StatsEntry, StatsIdParam, StatsSummaryBody, StatsUploadResult } from '../schemas.js';
import { deleteStats, loadStats, putStats, statsNotFound, statsSize } from '../store.js';
import { statsKey } from '../types.js';
import { bearerSecurity, commonErrors, errorResponseSpec } from './openapi-common.js';

export const stats = new OpenAPIHono<AppEnv>();

const UPLOAD_TYPES = ['application/json', 'application/octet-stream', 'application/x-safetensors', 'multipart/form-data'];
// parseStats reads any type containing "safetensors" as safetensors, so application/safetensors is accepted too.
const SAFETENSORS_TYPE = /^application\/[\w.+-]*safetensors[\w.+-]*$/;
const uploadHint = 'split the corpus into shards, upload each and merge them with POST /v1/stats/merge';

/** Reads an upload body of any accepted type into a statistics set; throws before anything is stored. */
async function readUpload(c: Context<AppEnv>): Promise<StatsSet> {
  const type = mediaType(c);
  if (!UPLOAD_TYPES.includes(type) && !SAFETENSORS_TYPE.test(type)) {
    throw new MadmixError(
      'unsupported_media_type',
      `Unsupported Content-Type ${show(type || 'none')}; send ${UPLOAD_TYPES.join(', ')} or application/safetensors.`,
      { contentType: type, accepted: UPLOAD_TYPES },
    );
  }
  const bytes = await readBody(c, MAX_UPLOAD_BODY_BYTES, uploadHint);
  if (type !== 'multipart/form-data') return parseStats(bytes, type);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { 'content-type': c.req.header('content-type') ?? '' } }).formData();
  } catch (err) {
    throw new MadmixError('invalid_stats', `Malformed multipart body (${String(err)}); send one part named "file".`);
  }
  const file = form.get('file');
  if (file === null || typeof file === 'string') {
    throw new MadmixError('invalid_stats', 'Multipart body has no file part named "file"; attach the statistics as "file".', {
      field: 'file',
    });
  }
  return parseStats(new Uint8Array(await file.arrayBuffer()), file.type || undefined);
}

const uploadRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Upload a statistics set',
  description: `Validates the set and stores its canonical safetensors bytes under its sha256. Idempotent: re-uploading returns 200 with the same id. Body up to ${MAX_UPLOAD_BODY_BYTES / MIB} MiB, and the stored F64 form must fit the same limit, so every stored set can be downloaded and uploaded again.`,
  security: bearerSecurity,
  middleware: [requireRole('write')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': { schema: { type: 'object', description: 'Stats JSON form or centroids form.' } },
        'application/x-safetensors': { schema: { type: 'string', format: 'binary' } },
        'application/safetensors': { schema: { type: 'string', format: 'binary' } },
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } },
      },
    },
  },
  responses: {
    200: { description: 'Already stored.', content: { 'application/json': { schema: StatsUploadResult } } },
    201: { description: 'Stored.', content: { 'application/json': { schema: StatsUploadResult } } },
    ...commonErrors,
    403: errorResponseSpec('Read-only token.'),
    413: errorResponseSpec('Body too large, or the set too large once stored as F64.'),
    415: errorResponseSpec('Unsupported Content-Type.'),
  },
});

/**
 * Validates and stores a set, then responds 201 when it is new or 200 when the
 * same content was stored before. One domain is enough for a shard that will be
 * merged; solving needs two (checked by the mixture routes).
 */
async function storeSet(c: Context<AppEnv>, set: StatsSet) {
  validateStats(set, { minDomains: 1 });
  const { id, created, size } = await putStats(c.env, set, MAX_UPLOAD_BODY_BYTES);
  return c.json({ id, hash: id, created, size, summary: summarizeStats(set) }, created ? 201 : 200);
}

stats.openapi(uploadRoute, async (c) => {
  return storeSet(c, await readUpload(c));
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List statistics sets',
  security: bearerSecurity,
  middleware: [requireRole('read')] as const,
  request: { query: ListQuery },
  responses: {
    200: {
      description: 'One page of sets; pass `cursor` to get the next.',
      content: { 'application/json': { schema: z.object({ sets: z.array(StatsEntry), cursor: z.string().optional() }) } },
    },
    ...commonErrors,
  },
});

stats.openapi(listRoute, async (c) => {
  const { cursor, limit } = c.req.valid('query');
  let listed: R2Objects;
  try {
    listed = await c.env.STATS.list({ prefix: 'stats/', cursor, limit, include: ['customMetadata'] });
  } catch (err) {
    // R2 rejects a forged cursor like any other failure, so a failed list with a cursor is blamed on the cursor.
    if (!cursor) throw err;
    throw new MadmixError('invalid_parameter', `Invalid query parameter cursor ${show(cursor)}; pass the cursor of a previous page.`, {
      field: 'cursor',
    });
  }
  const sets = listed.objects.flatMap((object) => {
    const id = /^stats\/([0-9a-f]{64})\.safetensors$/.exec(object.key)?.[1];
    if (!id) return [];
    const meta = object.customMetadata ?? {};
    return [
      {
        id,
        size: object.size,
        uploaded: object.uploaded.toISOString(),
        domains: meta.domains ? Number(meta.domains) : undefined,
        modalities: meta.modalities ? meta.modalities.split(',') : undefined,
      },
    ];
  });
  return c.json({ sets, cursor: listed.truncated ? listed.cursor : undefined }, 200);
});

const mergeRoute = createRoute({
  method: 'post',
  path: '/merge',
  summary: 'Merge stored sets exactly',
  description: 'Adds counts and sums domain by domain and stores the result as a new set.',
  security: bearerSecurity,
  middleware: [requireRole('write'), jsonBody(MAX_SMALL_BODY_BYTES, 'send only {"ids": [...]}')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: MergeBody } } } },
  responses: {
    200: { description: 'The merged set was already stored.', content: { 'application/json': { schema: StatsUploadResult } } },
    201: { description: 'Merged and stored.', content: { 'application/json': { schema: StatsUploadResult } } },
    ...commonErrors,
    403: errorResponseSpec('Read-only token.'),
    404: errorResponseSpec('An id is not stored.'),
    413: errorResponseSpec('Inputs too large.'),
  },
});

stats.openapi(mergeRoute, async (c) => {
  const { ids } = c.req.valid('json');
  let total = 0;
  for (const id of ids) total += await statsSize(c.env, id);
  if (total > MAX_MERGE_INPUT_BYTES) {
    throw new MadmixError(
      'payload_too_large',
      `The sets to merge total ${total} bytes, more than the limit of ${MAX_MERGE_INPUT_BYTES} bytes (${MAX_MERGE_INPUT_BYTES / MIB} MiB); merge fewer sets at a time.`,
      { totalBytes: total, limitBytes: MAX_MERGE_INPUT_BYTES },
    );
  }
  // Sets are read one at a time, so memory contains the running merge plus one input.
  let merged = await loadStats(c.env, ids[0]);
  for (const id of ids.slice(1)) merged = mergeStats(merged, await loadStats(c.env, id));
  return storeSet(c, merged);
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'Summary of a stored set',
  security: bearerSecurity,
  middleware: [requireRole('read')] as const,
  request: { params: StatsIdParam },
  responses: {
    200: {
      description: 'Summary (no sums) and hash.',
      content: { 'application/json': { schema: z.object({ id: z.string(), hash: z.string(), size: z.number(), summary: StatsSummaryBody }) } },
    },
    ...commonErrors,
    404: errorResponseSpec('No such set.'),
  },
});

stats.openapi(getRoute, async (c) => {
  const { id } = c.req.valid('param');
  const size = await statsSize(c.env, id);
  const set = await loadStats(c.env, id);
  return c.json({ id, hash: id, size, summary: summarizeStats(set) }, 200);
});

const downloadRoute = createRoute({
  method: 'get',
  path: '/{id}/download',
  summary: 'Download a stored set',
  security: bearerSecurity,
  middleware: [requireRole('read')] as const,
  request: { params: StatsIdParam, query: DownloadQuery },
  responses: {
    200: {
      description: 'The set as canonical safetensors bytes or stats JSON.',
      content: {
        'application/x-safetensors': { schema: { type: 'string', format: 'binary' } },
        'application/json': { schema: { type: 'object' } },
      },
    },
    ...commonErrors,
    404: errorResponseSpec('No such set.'),
  },
});

stats.openapi(downloadRoute, async (c) => {
  const { id } = c.req.valid('param');
  const { format } = c.req.valid('query');
  if (format === 'json') {
    // NOTE: JSON text of a set near the upload limit can exceed that limit, so only the
    // safetensors download is guaranteed to upload again.
    const text = statsToJson(await loadStats(c.env, id));
    return c.body(text, 200, {
      'content-type': 'application/json',
      'content-disposition': `attachment; filename="${id}.stats.json"`,
    });
  }
  const object = await c.env.STATS.get(statsKey(id));
  if (!object) throw statsNotFound(id);
  return c.body(object.body, 200, {
    'content-type': 'application/x-safetensors',
    'content-length': String(object.size),
    'content-disposition': `attachment; filename="${id}.safetensors"`,
    etag: object.httpEtag,
  });
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a stored set',
  description: 'Results computed from the set stay stored.',
  security: bearerSecurity,
  middleware: [requireRole('write')] as const,
  request: { params: StatsIdParam },
  responses: {
    204: { description: 'Deleted.' },
    ...commonErrors,
    403: errorResponseSpec('Read-only token.'),
    404: errorResponseSpec('No such set.'),
  },
});

stats.openapi(deleteRoute, async (c) => {
  const { id } = c.req.valid('param');
  await deleteStats(c.env, id);
  return c.body(null, 204);
});
