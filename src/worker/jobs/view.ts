import { jobStatus, liveLease } from './state.js';
import type { JobRecord, JobStatus, PartRecord } from './types.js';

export interface ShardView {
  index: number;
  state: 'pending' | 'leased' | 'uploaded' | 'failed';
  /** Failed runs reported by workers, the last error, and when the shard is offered again. */
  attempts?: number;
  lastError?: string;
  retryAt?: string;
  lease?: { worker: string; expiresAt: string };
  part?: { checksum: string; statsHash: string; bytes: number; uploadedAt: string; domains: PartRecord['domains'] };
}

/** The job as `GET /v1/jobs/:id` returns it: no token hash, times as ISO strings. */
export interface JobView {
  id: string;
  name: string;
  status: JobStatus;
  createdAt: string;
  tokenExpiresAt: string;
  plan: JobRecord['plan'];
  dims: Record<string, number>;
  shards: ShardView[];
  totals: {
    shards: number;
    uploaded: number;
    leased: number;
    pending: number;
    failed: number;
    /** Per domain: samples and count per modality summed over the uploaded parts. */
    domains: Record<string, { samples: number; counts: Record<string, number> }>;
  };
  result?: { statsId: string; mixtureId?: string; url?: string; shardsIncluded: number[]; partial: boolean; completedAt: string };
  failure?: { message: string; at: string; statsId?: string };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function shardView(job: JobRecord, index: number, now: number): ShardView {
  const shard = job.shards[index];
  if (shard.part) {
    const { checksum, statsHash, bytes, uploadedAt, domains } = shard.part;
    return { index, state: 'uploaded', part: { checksum, statsHash, bytes, uploadedAt: iso(uploadedAt), domains } };
  }
  const failures: Pick<ShardView, 'attempts' | 'lastError' | 'retryAt'> = {};
  if (shard.attempts) Object.assign(failures, { attempts: shard.attempts, lastError: shard.lastError });
  if (shard.retryAt !== undefined && shard.retryAt > now && shard.failedAt === undefined) failures.retryAt = iso(shard.retryAt);
  if (shard.failedAt !== undefined) return { index, state: 'failed', ...failures };
  const lease = liveLease(shard, now);
  if (lease) return { index, state: 'leased', lease: { worker: lease.worker, expiresAt: iso(lease.expiresAt) }, ...failures };
  return { index, state: 'pending', ...failures };
}

function domainTotals(job: JobRecord): JobView['totals']['domains'] {
  const totals: JobView['totals']['domains'] = {};
  for (const shard of job.shards) {
    for (const [name, entry] of Object.entries(shard.part?.domains ?? {})) {
      const total = (totals[name] ??= { samples: 0, counts: {} });
      total.samples += entry.samples ?? 0;
      for (const [modality, count] of Object.entries(entry.counts)) total.counts[modality] = (total.counts[modality] ?? 0) + count;
    }
  }
  return totals;
}

export function viewJob(job: JobRecord, now: number): JobView {
  const shards = job.shards.map((_, index) => shardView(job, index, now));
  const count = (state: ShardView['state']) => shards.filter((s) => s.state === state).length;
  const view: JobView = {
    id: job.id,
    name: job.name,
    status: jobStatus(job, now),
    createdAt: iso(job.createdAt),
    tokenExpiresAt: iso(job.tokenExpiresAt),
    plan: job.plan,
    dims: job.dims,
    shards,
    totals: { shards: shards.length, uploaded: count('uploaded'), leased: count('leased'), pending: count('pending'), failed: count('failed'), domains: domainTotals(job) },
  };
  if (job.result) view.result = { ...job.result, completedAt: iso(job.result.completedAt) };
  if (job.failure) view.failure = { ...job.failure, at: iso(job.failure.at) };
  return view;
}
