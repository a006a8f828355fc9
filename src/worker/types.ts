import type { StatsSummary } from '../core/stats/summary.js';
import type { MixtureResult, RegularizationPath } from '../core/methods/types.js';
import type { JobCoordinator } from './jobs/coordinator.js';

/** Bindings of the Worker (see wrangler.toml). */
export interface Env {
  /** Statistics sets and stored results. */
  STATS: R2Bucket;
  /** Comma-separated `sha256hex:role` entries, role `write` or `read`; set with `wrangler secret put TOKEN_HASHES`. */
  TOKEN_HASHES?: string;
  /** Per-client limit of the public computing routes (`[[ratelimits]]` in wrangler.toml). */
  MIXTURE_LIMITER?: RateLimiter;
  ENVIRONMENT?: string;
  /** Batch embedding jobs: one JobCoordinator per job id, plus the "registry" instance. */
  JOBS: DurableObjectNamespace<JobCoordinator>;
}

/** The Workers rate limiting binding. */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * R2 key scheme. Keys are built only from hex digests computed by the Worker,
 * never from user strings, so user input cannot steer where objects land.
 *   stats/<sha256 hex>.safetensors   a statistics set, canonical safetensors bytes
 *   results/<id hex>.json            a stored result (StoredResult), immutable
 */
export const statsKey = (hash: string): string => `stats/${hash}.safetensors`;
export const resultKey = (id: string): string => `results/${id}.json`;

/** A stored result, written once under `results/<id>.json` and never changed. */
export interface StoredResult {
  id: string;
  kind: 'mixture' | 'compare';
  createdAt: string;
  /** Hash of the statistics set (also its id when stored). */
  statsId: string;
  /** Whether the set is stored in R2 (false for inline sets). */
  statsStored: boolean;
  /** Summary of the set, plus its `meta` (provenance strings) when it has any. */
  summary: StatsSummary & { meta?: Record<string, string> };
  /** One entry for a mixture, several for a comparison, in request order. */
  results: MixtureResult[];
  /** MaD-Mix regularization path, when the first result is a MaD-Mix kernel method. */
  path?: RegularizationPath;
}
