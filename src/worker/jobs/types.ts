/** Types shared by the job routes and the JobCoordinator Durable Object. */

export interface PlanDomain {
  name: string;
  datasets?: string[];
}

export interface PlanModality {
  name: string;
  model?: string;
  layer?: string;
}

/** Plan of a job: its domains, modalities, shards and sampling, fixed at creation. */
export interface JobPlan {
  domains: PlanDomain[];
  modalities: PlanModality[];
  /** Number of shards, 1..1024; shard i embeds sampled items i, i + shards, ... */
  shards: number;
  samplesPerDataset?: number;
  seed?: number;
  /** Mixture computed on the merged set when the job completes. */
  mixture?: { method: string; params?: Record<string, unknown> };
  /** Input flags of the batch embedding script (e.g. `--domains /data/corpus`). */
  embedArgs?: string[];
}

export interface Lease {
  id: string;
  worker: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** An uploaded shard part that counts towards the job. */
export interface PartRecord {
  /** sha256 hex of the uploaded body (the `x-content-sha256` header). */
  checksum: string;
  /** sha256 hex of the part's canonical safetensors bytes, as stored in R2. */
  statsHash: string;
  bytes: number;
  uploadedAt: number;
  /** Per domain: samples (when the part records them) and count per modality. */
  domains: Record<string, { samples?: number; counts: Record<string, number> }>;
}

export interface ShardRecord {
  lease?: Lease;
  part?: PartRecord;
  /** An upload between its R2 write and its registration; blocks a different body meanwhile. */
  reservation?: { checksum: string; until: number };
  /** Failed runs reported when releasing a lease, and the last error. */
  attempts?: number;
  lastError?: string;
  /** Epoch milliseconds before which a shard that failed is not offered to claim again. */
  retryAt?: number;
  /** Set after MAX_SHARD_ATTEMPTS failed runs; the shard is not offered again. */
  failedAt?: number;
}

export interface JobResult {
  statsId: string;
  mixtureId?: string;
  url?: string;
  /** Shard indexes whose parts were merged, ascending. */
  shardsIncluded: number[];
  partial: boolean;
  completedAt: number;
}

/** The whole state of one job, stored as one record in its Durable Object. */
export interface JobRecord {
  id: string;
  name: string;
  createdAt: number;
  /** sha256 hex of the job's upload token; the token itself is never stored. */
  tokenHash: string;
  tokenExpiresAt: number;
  plan: JobPlan;
  /** Embedding width per modality, fixed by the first part that has the modality. */
  dims: Record<string, number>;
  shards: ShardRecord[];
  result?: JobResult;
  /** `statsId` is set when the merged statistics were valid and stored, so only the mixture failed. */
  failure?: { message: string; at: number; statsId?: string };
}

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed';

/** An error result of a Durable Object call; RPC keeps plain objects intact but not error classes. */
export interface JobFault {
  fault: { code: 'not_found' | 'conflict' | 'invalid_stats'; message: string; details?: Record<string, unknown> };
}

/** R2 key of a shard part; built from a validated hex job id and integer index only. */
export const shardPartKey = (jobId: string, index: number): string => `jobs/${jobId}/shards/${index}.safetensors`;

/** Shortest and longest lease a worker may ask for, in seconds. */
export const MIN_LEASE_SECONDS = 30;
export const MAX_LEASE_SECONDS = 3600;
/** How long an upload may sit between its R2 write and its registration, in milliseconds. */
export const RESERVATION_MS = 120_000;
/** Prefix of job upload tokens: `mjt_<job id>_<64 hex>`. */
export const JOB_TOKEN_PREFIX = 'mjt_';
/** Failed runs after which a shard is marked failed and no longer offered to claim. */
export const MAX_SHARD_ATTEMPTS = 3;
/** Wait before a failed shard is offered again, in milliseconds; doubles with each failed run. */
export const SHARD_RETRY_MS = 60_000;
/** Maximum length of the error text kept per shard, in characters. */
export const MAX_SHARD_ERROR_LENGTH = 1000;
