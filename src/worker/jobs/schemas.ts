import { z } from '@hono/zod-openapi';
import { METHODS } from '../../core/mix.js';
import { MAX_NAME_LENGTH } from '../../core/stats/index.js';
import { MAX_DOMAINS, MAX_MODALITIES } from '../limits.js';
import { MAX_LEASE_SECONDS, MAX_SHARD_ERROR_LENGTH, MIN_LEASE_SECONDS } from './types.js';

/** Request schemas of the job routes. */

const unique = (items: { name: string }[]) => new Set(items.map((i) => i.name)).size === items.length;
const Name = z.string().min(1).max(MAX_NAME_LENGTH);

export const JobIdParam = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{32}$/, { message: 'expected a job id of 32 lowercase hex characters' })
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const ShardParams = JobIdParam.extend({
  index: z
    .string()
    .regex(/^(0|[1-9]\d{0,3})$/, { message: 'expected a shard index, an integer from 0 to 1023' })
    .openapi({ param: { name: 'index', in: 'path' } }),
});

export const JobCreateBody = z
  .object({
    name: z
      .string({ error: (issue) => (issue.input === undefined ? 'required: the job name shown in its state, 1 to 200 characters' : undefined) })
      .min(1)
      .max(200),
    domains: z
      .array(z.object({ name: Name, datasets: z.array(Name).max(1000).optional() }).strict())
      .min(2, { message: 'a mixture needs at least 2 domains' })
      .max(MAX_DOMAINS)
      .refine(unique, { message: 'domain names must be distinct' }),
    modalities: z
      .array(z.object({ name: Name, model: z.string().max(200).optional(), layer: z.string().max(200).optional() }).strict())
      .min(1)
      .max(MAX_MODALITIES)
      .refine(unique, { message: 'modality names must be distinct' }),
    shards: z.number().int().min(1).max(1024),
    samplesPerDataset: z.number().int().min(1).max(100_000_000).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    mixture: z
      .object({
        method: z.enum(METHODS as unknown as [string, ...string[]]),
        params: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    embedArgs: z.array(z.string().max(4096)).max(64).optional().openapi({
      description: 'Input flags passed to the batch embedding script, e.g. ["--domains", "/data/corpus"].',
    }),
    tokenTtlHours: z.number().int().min(1).max(168).default(24).openapi({ description: 'Lifetime of the job upload token, in hours.' }),
  })
  .strict()
  .openapi('JobCreateRequest');

const LeaseSeconds = z.number().int().min(MIN_LEASE_SECONDS).max(MAX_LEASE_SECONDS);

export const ClaimBody = z
  .object({ worker: z.string().min(1).max(200), leaseSeconds: LeaseSeconds.default(600) })
  .strict()
  .openapi('JobClaimRequest');

export const RenewBody = z
  .object({ leaseId: z.string().regex(/^[0-9a-f]{32}$/), leaseSeconds: LeaseSeconds.default(600) })
  .strict()
  .openapi('JobLeaseRenewRequest');

export const CompleteBody = z.object({ allowPartial: z.boolean().default(false) }).strict().openapi('JobCompleteRequest');

export const ReleaseBody = z
  .object({ failed: z.literal(true), error: z.string().min(1).max(MAX_SHARD_ERROR_LENGTH) })
  .strict()
  .openapi('JobLeaseReleaseRequest');

export const AnyJson = z.record(z.string(), z.unknown());

export const ReleaseQuery = z.object({ leaseId: z.string().regex(/^[0-9a-f]{32}$/, { message: 'expected the leaseId returned by claim' }) });
