import { z } from '@hono/zod-openapi';
import { EXPORT_FORMATS } from '../core/exports/index.js';
import { METHODS } from '../core/mix.js';
import { MAX_MERGE_SETS } from './limits.js';

/**
 * Zod schemas of the API. The same objects validate requests (through
 * `createRoute`) and generate `/openapi.json`.
 */

const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;

export const StatsId = z
  .string()
  .regex(HEX64, { message: 'expected a statistics id of 64 lowercase hex characters' })
  .openapi({ description: 'Statistics set id: sha256 hex of its canonical safetensors bytes.', example: 'a'.repeat(64) });

export const ResultId = z
  .string()
  .regex(HEX32, { message: 'expected a result id of 32 lowercase hex characters' })
  .openapi({ description: 'Result id: first 32 hex characters of sha256 over the canonical request.' });

export const StatsIdParam = z.object({ id: StatsId.openapi({ param: { name: 'id', in: 'path' } }) });
export const ResultIdParam = z.object({ id: ResultId.openapi({ param: { name: 'id', in: 'path' } }) });

export const InlineStats = z
  .record(z.string(), z.unknown())
  .openapi('InlineStats', {
    description:
      'A statistics set in the stats JSON form ({format: "madmix.stats", version: 1, modalities, domains, meta}) or the centroids form ({modalities: [...], domains: [{name, embeddings}]}).',
  });

const StatsRef = z
  .union([StatsId, InlineStats], {
    error: 'expected the id of a stored set (64 lowercase hex characters) or an inline statistics set object',
  })
  .openapi({ description: 'Id of a stored set, or an inline set (whole body up to 2 MiB).' });

const MethodName = z.string().openapi({ enum: [...METHODS], description: 'Mixture method.', example: 'madmix' });
const Params = z
  .record(z.string(), z.unknown())
  .optional()
  .openapi({ description: 'Method parameters by name (lambda, temperature, normalize, modality, stage, budget, maxEpochs, weights, size).', example: { lambda: 10 } });

export const MixtureBody = z
  .object({
    stats: StatsRef,
    method: MethodName.default('madmix'),
    params: Params,
  })
  .strict()
  .openapi('MixtureRequest');

export const CompareBody = z
  .object({
    stats: StatsRef,
    methods: z
      .array(z.object({ method: MethodName, params: Params }).strict())
      .min(2, { message: 'compare needs at least 2 methods' })
      .max(8, { message: 'compare takes at most 8 methods' }),
  })
  .strict()
  .openapi('CompareRequest');

export const MergeBody = z
  .object({
    ids: z
      .array(StatsId)
      .min(2, { message: 'merge needs at least 2 ids' })
      .max(MAX_MERGE_SETS, { message: `merge takes at most ${MAX_MERGE_SETS} ids` })
      .refine((ids) => new Set(ids).size === ids.length, { message: 'ids must be distinct' }),
  })
  .strict()
  .openapi('MergeRequest');

export const ListQuery = z.object({
  cursor: z
    .string()
    .max(1024)
    .regex(/^[\w+/=.-]*$/, { message: 'expected the cursor of a previous page' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const DownloadQuery = z.object({
  format: z.enum(['json', 'safetensors']).default('safetensors'),
});

export const ExportParams = z.object({
  id: ResultId.openapi({ param: { name: 'id', in: 'path' } }),
  format: z
    .enum(EXPORT_FORMATS as unknown as [string, ...string[]])
    .openapi({ param: { name: 'format', in: 'path' } }),
});

// Strings, so that exportOptionsFromQuery writes the errors: it names the field, the value and the range.
export const ExportQuery = z.object({
  budget: z.string().optional().openapi({ description: 'Total budget in `unit`: a number of at least 1 and at most 1e15.', example: '1000000' }),
  unit: z.string().optional().openapi({ enum: ['samples', 'tokens'], description: 'Unit of `budget`; default samples.' }),
  maxEpochs: z.string().optional().openapi({ description: 'Epoch count above which a domain gets a warning; default 4.', example: '4' }),
  index: z.string().optional().openapi({ description: 'Which result of a comparison to export, from 0.', example: '0' }),
});

export const ErrorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
    requestId: z.string(),
  })
  .openapi('Error');

export const StatsSummaryBody = z.record(z.string(), z.unknown()).openapi('StatsSummary');

export const StatsEntry = z
  .object({
    id: StatsId,
    size: z.number().int().openapi({ description: 'Stored size in bytes.' }),
    uploaded: z.string(),
    domains: z.number().int().optional(),
    modalities: z.array(z.string()).optional(),
  })
  .openapi('StatsEntry');

export const StatsUploadResult = z
  .object({ id: StatsId, hash: StatsId, created: z.boolean(), size: z.number().int(), summary: StatsSummaryBody })
  .openapi('StatsUploadResult');

export const StoredResultBody = z
  .object({
    id: ResultId,
    kind: z.enum(['mixture', 'compare']),
    createdAt: z.string(),
    statsId: StatsId,
    statsStored: z.boolean(),
    summary: StatsSummaryBody,
    results: z.array(z.record(z.string(), z.unknown())),
    path: z.record(z.string(), z.unknown()).optional(),
    url: z.string().openapi({ description: 'Share page of the result.' }),
  })
  .openapi('StoredResult');
