import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../types.js';
import { claimShard, fault, jobStatus, missingShards, registerPart, releaseLease, renewLease, reserveUpload } from './state.js';
import type { JobFault, JobRecord, JobResult, Lease, PartRecord } from './types.js';
import { viewJob, type JobView } from './view.js';

/** Name of the one instance that lists open jobs for `POST /v1/jobs/claim`. */
export const REGISTRY_NAME = 'registry';

/**
 * Coordinates one job (instance named by the job id) or, under the name
 * "registry", lists the open jobs. State lives in the object's SQLite
 * storage, and every method reads and writes it synchronously, with no await
 * in between, so calls do not interleave and concurrent uploads cannot lose
 * or double-count a part. Failures return a `JobFault` because RPC does not carry
 * error classes.
 */
export class JobCoordinator extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  }

  private read<T>(key: string): T | undefined {
    const row = this.ctx.storage.sql.exec<{ value: string }>('SELECT value FROM kv WHERE key = ?', key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  private write(key: string, value: unknown): void {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)', key, JSON.stringify(value));
  }

  /** Milliseconds since the epoch, shifted by the offset that `advanceClockForTest` sets under ENVIRONMENT=test. */
  private now(): number {
    const offset = this.env.ENVIRONMENT === 'test' ? (this.read<number>('clockOffset') ?? 0) : 0;
    return Date.now() + offset;
  }

  /** Runs `change` on the stored job and writes it back unless the result is a fault. */
  private update<R>(change: (job: JobRecord, now: number) => R): R | JobFault {
    const job = this.read<JobRecord>('job');
    if (!job) return fault('not_found', 'No such job; create it with POST /v1/jobs.');
    const result = change(job, this.now());
    if (!(typeof result === 'object' && result !== null && 'fault' in result)) this.write('job', job);
    return result;
  }

  create(job: JobRecord): JobView | JobFault {
    if (this.read('job')) return fault('conflict', `Job ${job.id} already exists.`);
    this.write('job', job);
    return viewJob(job, this.now());
  }

  view(): JobView | null {
    const job = this.read<JobRecord>('job');
    return job ? viewJob(job, this.now()) : null;
  }

  /** Checks a job token's sha256 against the stored one; compares every character so timing reveals nothing. */
  authorize(tokenHash: string): 'ok' | 'expired' | 'invalid' {
    const job = this.read<JobRecord>('job');
    if (!job || tokenHash.length !== job.tokenHash.length) return 'invalid';
    let diff = 0;
    for (let i = 0; i < tokenHash.length; i++) diff |= tokenHash.charCodeAt(i) ^ job.tokenHash.charCodeAt(i);
    if (diff !== 0) return 'invalid';
    return job.tokenExpiresAt > this.now() ? 'ok' : 'expired';
  }

  reserveUpload(index: number, checksum: string): 'reserved' | 'duplicate' | JobFault {
    return this.update((job, now) => reserveUpload(job, index, checksum, now));
  }

  registerPart(index: number, part: Omit<PartRecord, 'uploadedAt'>, dims: Record<string, number>): 'created' | 'duplicate' | JobFault {
    return this.update((job, now) => registerPart(job, index, { ...part, uploadedAt: now }, dims));
  }

  claim(worker: string, leaseId: string, seconds: number): { index: number; lease: Lease } | null | JobFault {
    return this.update((job, now) => claimShard(job, worker, leaseId, seconds, now) ?? null);
  }

  renew(index: number, leaseId: string, seconds: number): Lease | JobFault {
    return this.update((job, now) => renewLease(job, index, leaseId, seconds, now));
  }

  release(index: number, leaseId: string, error?: string): boolean | JobFault {
    return this.update((job, now) => releaseLease(job, index, leaseId, now, error));
  }

  /** Returns the stored result, or the parts to merge (in index order) when the job may complete now. */
  prepareCompletion(allowPartial: boolean): { result: JobResult } | { parts: number[]; partial: boolean } | JobFault {
    return this.update((job) => {
      if (job.result) return { result: job.result };
      if (job.failure) return fault('conflict', `Job ${job.id} failed (${job.failure.message}); create a new job.`, { status: 'failed' });
      const missing = missingShards(job);
      const parts = job.shards.flatMap((s, index) => (s.part ? [index] : []));
      if (missing.length > 0 && !allowPartial) {
        return fault('conflict', `Job ${job.id} is missing shards ${missing.join(', ')}; upload them, or complete with {"allowPartial": true}.`, {
          missing,
        });
      }
      if (parts.length === 0) return fault('conflict', `Job ${job.id} has no uploaded shards yet; upload at least one part first.`, { missing });
      return { parts, partial: missing.length > 0 };
    });
  }

  /** Records the result once; a later call returns the first result, so completing twice gives the same ids. */
  finishCompletion(result: Omit<JobResult, 'completedAt'>): JobResult | JobFault {
    return this.update((job, now) => (job.result ??= { ...result, completedAt: now }));
  }

  /** Marks the job failed, unless it already completed. */
  fail(message: string, statsId?: string): JobView | JobFault {
    return this.update((job, now) => {
      if (!job.result) job.failure = statsId ? { message, at: now, statsId } : { message, at: now };
      return viewJob(job, now);
    });
  }

  status(): string | null {
    const job = this.read<JobRecord>('job');
    return job ? jobStatus(job, this.now()) : null;
  }

  // Registry instance: open job ids in creation order.

  registryAdd(jobId: string): void {
    const open = this.read<string[]>('open') ?? [];
    if (!open.includes(jobId)) this.write('open', [...open, jobId]);
  }

  registryRemove(jobId: string): void {
    this.write('open', (this.read<string[]>('open') ?? []).filter((id) => id !== jobId));
  }

  registryList(): string[] {
    return this.read<string[]>('open') ?? [];
  }

  /** Moves this object's clock forward; only under ENVIRONMENT=test, so tests can expire leases and tokens. */
  advanceClockForTest(ms: number): number {
    if (this.env.ENVIRONMENT !== 'test') throw new Error('advanceClockForTest is only available under ENVIRONMENT=test');
    this.write('clockOffset', (this.read<number>('clockOffset') ?? 0) + ms);
    return this.now();
  }
}
