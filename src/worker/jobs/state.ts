import { MAX_SHARD_ATTEMPTS, RESERVATION_MS, SHARD_RETRY_MS, type JobFault, type JobRecord, type JobStatus, type Lease, type PartRecord, type ShardRecord } from './types.js';

/**
 * Pure state transitions of a job. The Durable Object runs each one between
 * a synchronous read and write of the record, so no two of them interleave.
 */

export function fault(code: JobFault['fault']['code'], message: string, details?: Record<string, unknown>): JobFault {
  return { fault: details ? { code, message, details } : { code, message } };
}

export function isFault(value: unknown): value is JobFault {
  return typeof value === 'object' && value !== null && 'fault' in value;
}

export function liveLease(shard: ShardRecord, now: number): Lease | undefined {
  return shard.lease && shard.lease.expiresAt > now ? shard.lease : undefined;
}

function liveReservation(shard: ShardRecord, now: number): ShardRecord['reservation'] {
  return shard.reservation && shard.reservation.until > now ? shard.reservation : undefined;
}

export function jobStatus(job: JobRecord, now: number): JobStatus {
  if (job.result) return 'completed';
  if (job.failure) return 'failed';
  // A failed shard can only be left out with allowPartial, so the job as planned cannot complete.
  if (job.shards.some((s) => s.failedAt !== undefined && !s.part)) return 'failed';
  return job.shards.some((s) => s.part || liveLease(s, now)) ? 'running' : 'pending';
}

export function missingShards(job: JobRecord): number[] {
  return job.shards.flatMap((s, index) => (s.part ? [] : [index]));
}

function closed(job: JobRecord): JobFault | undefined {
  if (job.result) return fault('conflict', `Job ${job.id} is already completed; create a new job to embed again.`, { status: 'completed' });
  if (job.failure) return fault('conflict', `Job ${job.id} failed (${job.failure.message}); create a new job.`, { status: 'failed' });
  return undefined;
}

function partConflict(job: JobRecord, index: number, checksum: string, existing: string): JobFault {
  return fault(
    'conflict',
    `Shard ${index} of job ${job.id} already holds a part with sha256 ${existing}, not ${checksum}; a shard's part cannot be replaced, so re-send the same bytes or create a new job.`,
    { shardIndex: index, expected: existing, actual: checksum },
  );
}

/**
 * Reserves shard `index` for an upload of `checksum` before its R2 write, so a
 * different body cannot overwrite the object while this one is in flight.
 * Returns 'duplicate' when the same part is already registered.
 */
export function reserveUpload(job: JobRecord, index: number, checksum: string, now: number): 'reserved' | 'duplicate' | JobFault {
  const shard = job.shards[index];
  if (shard.part) return shard.part.checksum === checksum ? 'duplicate' : partConflict(job, index, checksum, shard.part.checksum);
  const blocked = closed(job);
  if (blocked) return blocked;
  const pending = liveReservation(shard, now);
  if (pending && pending.checksum !== checksum) {
    return fault('conflict', `Another upload of shard ${index} with a different body is in progress; wait for it and check the shard's state.`, {
      shardIndex: index,
    });
  }
  shard.reservation = { checksum, until: now + RESERVATION_MS };
  return 'reserved';
}

/** Registers an uploaded part and fixes the dims of modalities seen first here. */
export function registerPart(job: JobRecord, index: number, part: PartRecord, dims: Record<string, number>): 'created' | 'duplicate' | JobFault {
  const shard = job.shards[index];
  if (shard.part) return shard.part.checksum === part.checksum ? 'duplicate' : partConflict(job, index, part.checksum, shard.part.checksum);
  const blocked = closed(job);
  if (blocked) return blocked;
  for (const [name, dim] of Object.entries(dims)) {
    const fixed = job.dims[name];
    if (fixed !== undefined && fixed !== dim) {
      return fault('invalid_stats', `Modality "${name}" has dim ${dim} in shard ${index}, but ${fixed} in the parts already uploaded; embed every shard with the same encoder.`, {
        modality: name, expected: fixed, actual: dim,
      });
    }
  }
  Object.assign(job.dims, dims);
  shard.part = part;
  delete shard.reservation;
  delete shard.lease;
  return 'created';
}

/** Tests whether a shard may be offered to a worker: no part, lease, upload in flight, failure mark or retry wait. */
function claimable(shard: ShardRecord, now: number): boolean {
  if (shard.part || shard.failedAt !== undefined || (shard.retryAt ?? 0) > now) return false;
  return !liveLease(shard, now) && !liveReservation(shard, now);
}

/** Leases the first claimable shard. */
export function claimShard(job: JobRecord, worker: string, leaseId: string, seconds: number, now: number): { index: number; lease: Lease } | undefined {
  if (closed(job)) return undefined;
  const index = job.shards.findIndex((s) => claimable(s, now));
  if (index === -1) return undefined;
  const lease = { id: leaseId, worker, expiresAt: now + seconds * 1000 };
  job.shards[index].lease = lease;
  return { index, lease };
}

/** Extends a lease this worker still holds; an expired lease that no other worker has claimed may still be renewed. */
export function renewLease(job: JobRecord, index: number, leaseId: string, seconds: number, now: number): Lease | JobFault {
  const shard = job.shards[index];
  if (shard.part) return fault('conflict', `Shard ${index} is already uploaded; release the lease instead of renewing it.`, { shardIndex: index });
  const blocked = closed(job);
  if (blocked) return blocked;
  if (!shard.lease || shard.lease.id !== leaseId) {
    return fault('conflict', `Lease ${leaseId} on shard ${index} was lost to another worker; stop this shard and claim again.`, { shardIndex: index });
  }
  shard.lease = { ...shard.lease, expiresAt: now + seconds * 1000 };
  return shard.lease;
}

/**
 * Drops the lease when `leaseId` still holds it; returns whether it did. A
 * reported failure counts an attempt: the shard waits SHARD_RETRY_MS (doubled
 * per attempt) before it is offered again, and after MAX_SHARD_ATTEMPTS it is
 * marked failed.
 */
export function releaseLease(job: JobRecord, index: number, leaseId: string, now: number, error?: string): boolean {
  const shard = job.shards[index];
  if (!shard.lease || shard.lease.id !== leaseId) return false;
  delete shard.lease;
  if (error !== undefined && !shard.part) {
    shard.attempts = (shard.attempts ?? 0) + 1;
    shard.lastError = error;
    if (shard.attempts >= MAX_SHARD_ATTEMPTS) shard.failedAt = now;
    else shard.retryAt = now + SHARD_RETRY_MS * 2 ** (shard.attempts - 1);
  }
  return true;
}
