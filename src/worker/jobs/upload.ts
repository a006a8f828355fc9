import type { Context } from 'hono';
import { MadmixError, show } from '../../core/errors.js';
import { parseStats, statsToSafetensors, validateStats } from '../../core/stats/index.js';
import type { StatsSet } from '../../core/stats/types.js';
import { mediaType, readBody } from '../body.js';
import type { AppEnv } from '../env.js';
import { MAX_UPLOAD_BODY_BYTES } from '../limits.js';
import { sha256Hex } from '../store.js';
import { isFault } from './state.js';
import { shardPartKey, type JobFault, type JobPlan, type PartRecord } from './types.js';
import type { JobView } from './view.js';

/** Throws the MadmixError a Durable Object returned as a fault; passes other values through. */
export function unwrap<T>(value: T | JobFault): T {
  if (isFault(value)) throw new MadmixError(value.fault.code, value.fault.message, value.fault.details);
  return value;
}

export function jobStub(c: Context<AppEnv>, jobId: string) {
  return c.env.JOBS.get(c.env.JOBS.idFromName(jobId));
}

export async function loadJob(c: Context<AppEnv>, jobId: string): Promise<JobView> {
  const view = await jobStub(c, jobId).view();
  if (!view) throw new MadmixError('not_found', `No job with id ${jobId}; create one with POST /v1/jobs.`, { id: jobId });
  return view as JobView;
}

/** Throws `not_found` when `index` is not a shard of the job, which has `shards` shards. */
export function checkShardIndex(index: number, shards: number, jobId: string): void {
  if (index >= shards) throw new MadmixError('not_found', `Job ${jobId} has shards 0 to ${shards - 1}, not ${index}.`, { shardIndex: index });
}

/** Checks that a part uses only the plan's domains, datasets and modalities, with the job's dims. */
function checkAgainstPlan(set: StatsSet, plan: JobPlan, dims: Record<string, number>, index: number): void {
  for (const domain of set.domains) {
    const planned = plan.domains.find((d) => d.name === domain.name);
    if (!planned) {
      throw new MadmixError('unknown_domain', `Shard ${index} has domain ${show(domain.name)}, which is not in the job's plan (${show(plan.domains.map((d) => d.name))}); embed only the planned domains.`, {
        domain: domain.name,
      });
    }
    const extra = (domain.datasets ?? []).find((ds) => planned.datasets && !planned.datasets.includes(ds.name));
    if (extra) {
      throw new MadmixError('invalid_stats', `Shard ${index} has dataset ${show(extra.name)} in domain ${show(domain.name)}, which the plan does not list; embed only the planned datasets.`, {
        domain: domain.name, dataset: extra.name,
      });
    }
  }
  for (const modality of set.modalities) {
    const planned = plan.modalities.find((m) => m.name === modality.name);
    if (!planned) {
      throw new MadmixError('unknown_modality', `Shard ${index} has modality ${show(modality.name)}, which is not in the job's plan (${show(plan.modalities.map((m) => m.name))}).`, {
        modality: modality.name,
      });
    }
    for (const field of ['model', 'layer'] as const) {
      if (planned[field] !== undefined && modality[field] !== undefined && planned[field] !== modality[field]) {
        throw new MadmixError('invalid_stats', `Shard ${index} modality ${show(modality.name)} has ${field} ${show(modality[field])}, but the plan expects ${show(planned[field])}; embed with the planned encoder.`, {
          modality: modality.name, field, expected: planned[field], actual: modality[field],
        });
      }
    }
    const fixed = dims[modality.name];
    if (fixed !== undefined && fixed !== modality.dim) {
      throw new MadmixError('invalid_stats', `Shard ${index} modality ${show(modality.name)} has dim ${modality.dim}, but ${fixed} in the parts already uploaded; embed every shard with the same encoder.`, {
        modality: modality.name, expected: fixed, actual: modality.dim,
      });
    }
  }
}

function partDomains(set: StatsSet): PartRecord['domains'] {
  const domains: PartRecord['domains'] = {};
  for (const domain of set.domains) {
    const counts = Object.fromEntries(Object.entries(domain.stats).map(([m, s]) => [m, s.count]));
    domains[domain.name] = domain.samples === undefined ? { counts } : { samples: domain.samples, counts };
  }
  return domains;
}

async function readChecksummedBody(c: Context<AppEnv>): Promise<{ bytes: Uint8Array; checksum: string }> {
  const declared = (c.req.header('x-content-sha256') ?? '').trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(declared)) {
    throw new MadmixError('invalid_parameter', `Header x-content-sha256 is ${show(declared || 'missing')}; send the sha256 hex of the body.`, {
      field: 'x-content-sha256',
    });
  }
  const bytes = await readBody(c, MAX_UPLOAD_BODY_BYTES, 'split the job into more shards');
  const checksum = await sha256Hex(bytes);
  if (checksum !== declared) {
    throw new MadmixError('invalid_parameter', `Body sha256 is ${checksum} but header x-content-sha256 is ${declared}; the body was corrupted or truncated in transit, so send it again.`, {
      field: 'x-content-sha256', expected: declared, actual: checksum,
    });
  }
  return { bytes, checksum };
}

/**
 * Stores shard `index` of job `jobId`. The R2 write happens between a
 * reservation and the registration in the job's Durable Object, which is the
 * record of which parts count. Returns 201 for a new part and 200 when the
 * same bytes were already registered.
 */
export async function uploadShard(c: Context<AppEnv>, jobId: string, index: number): Promise<Response> {
  const { bytes, checksum } = await readChecksummedBody(c);
  const job = await loadJob(c, jobId);
  checkShardIndex(index, job.plan.shards, jobId);
  const existing = job.shards[index].part;
  if (existing?.checksum === checksum) return c.json({ jobId, shardIndex: index, created: false, checksum, statsHash: existing.statsHash }, 200);

  const set = parseStats(bytes, mediaType(c) || undefined);
  // A shard may hold only some of the domains, or none when its slice of the sample was empty.
  validateStats(set, { minDomains: 0 });
  checkAgainstPlan(set, job.plan, job.dims, index);

  const stub = jobStub(c, jobId);
  const reserved = unwrap(await stub.reserveUpload(index, checksum));
  const canonical = statsToSafetensors(set);
  const statsHash = await sha256Hex(canonical);
  if (reserved === 'reserved') {
    await c.env.STATS.put(shardPartKey(jobId, index), canonical, {
      httpMetadata: { contentType: 'application/x-safetensors' },
      customMetadata: { checksum, statsHash },
    });
  }
  const dims = Object.fromEntries(set.modalities.map((m) => [m.name, m.dim]));
  const outcome = reserved === 'duplicate' ? 'duplicate' : unwrap(await stub.registerPart(index, { checksum, statsHash, bytes: canonical.byteLength, domains: partDomains(set) }, dims));
  const created = outcome === 'created';
  return c.json({ jobId, shardIndex: index, created, checksum, statsHash }, created ? 201 : 200);
}
