#!/usr/bin/env node
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failureStatus, logLine, parseJobArgs, UsageError, required, tokenFrom } from './args.js';
import { JobsClient, ServiceError, type Claim } from './client.js';
import { runShard } from './run.js';

export const USAGE = `Usage: npx tsx scripts/jobs/run.ts --watch --service URL [options]

Worker loop: claims a pending shard of any open job with a lease, embeds it
while renewing the lease, uploads it and releases the lease. On SIGINT or
SIGTERM it releases the current lease and exits.

  --service URL         madmix service origin
  --token TOKEN         write token (default: MADMIX_TOKEN)
  --worker NAME         name shown in the job state (default: host name and process id)
  --lease-seconds N     lease length, 30 to 3600 (default 600); renewed every third of it
  --state-root DIR      checkpoint folders, one per job and shard (default .madmix-jobs)
  --idle-max-seconds N  longest wait between claims when nothing is pending (default 60)
  --exit-when-idle      exit when no shard can be claimed (none pending, or only failed shards waiting to retry)
`;

export interface WatchOptions {
  client: JobsClient;
  worker: string;
  leaseSeconds: number;
  stateRoot: string;
  idleMaxMs?: number;
  exitWhenIdle?: boolean;
  /** Runs one claimed shard; defaults to embedding it with runShard. */
  runClaim?: (claim: Claim, stateDir: string) => Promise<void>;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Waits `ms`, or less when `signal` aborts; removes its abort listener either way, so a long idle loop does not pile them up. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const onAbort = () => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      done();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Keeps the lease alive every third of its length until `stop` is called; logs a lost lease once. */
function keepLease(options: WatchOptions, claim: Claim, log: (line: string) => void): () => void {
  const timer = setInterval(() => {
    options.client.renew(claim.jobId, claim.shardIndex, claim.leaseId, options.leaseSeconds).catch((error: Error) => {
      log(`job ${claim.jobId} shard ${claim.shardIndex}: lease renewal failed (${error.message}); the upload stays valid if it finishes`);
      if (error instanceof ServiceError && error.status === 409) clearInterval(timer);
    });
  }, (options.leaseSeconds * 1000) / 3);
  return () => clearInterval(timer);
}

/** Runs the claim loop until `signal` aborts (or, with exitWhenIdle, until nothing is pending); returns the shards run. */
export async function watch(options: WatchOptions): Promise<number> {
  const log = options.log ?? logLine;
  const idleMax = options.idleMaxMs ?? 60_000;
  let idle = 1000;
  let done = 0;
  while (!options.signal?.aborted) {
    const claim = await options.client.claim(options.worker, options.leaseSeconds);
    if (!claim) {
      if (options.exitWhenIdle) break;
      log(`idle: no pending shard; next claim in ${idle / 1000} s`);
      await sleep(idle, options.signal);
      idle = Math.min(idle * 2, idleMax);
      continue;
    }
    let failure: string | undefined;
    log(`claimed job ${claim.jobId} shard ${claim.shardIndex}/${claim.shardCount} until ${claim.leaseExpiresAt}`);
    const stopRenewing = keepLease(options, claim, log);
    const stateDir = join(options.stateRoot, claim.jobId, `shard-${claim.shardIndex}`);
    try {
      if (options.runClaim) await options.runClaim(claim, stateDir);
      else {
        await runShard({ client: options.client, jobId: claim.jobId, shardIndex: claim.shardIndex, shardCount: claim.shardCount, embedArgs: claim.embedArgs, stateDir, log });
      }
      done++;
      idle = 1000;
    } catch (error) {
      failure = (error as Error).message || String(error);
      log(`job ${claim.jobId} shard ${claim.shardIndex}: failed (${failure}); releasing the lease and reporting the failure`);
    } finally {
      stopRenewing();
      // The service counts reported failures: it delays the shard and marks it failed after a few, so other shards go first.
      await options.client.release(claim.jobId, claim.shardIndex, claim.leaseId, failure).catch((error: Error) => log(`release failed: ${error.message}`));
      log(`released job ${claim.jobId} shard ${claim.shardIndex}`);
    }
    // A shard that keeps failing would be claimed again at once, so wait as when idle.
    if (failure !== undefined) {
      await sleep(idle, options.signal);
      idle = Math.min(idle * 2, idleMax);
    }
  }
  return done;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { values } = parseJobArgs(argv, {
      worker: { type: 'string' },
      'lease-seconds': { type: 'string' },
      'state-root': { type: 'string' },
      'idle-max-seconds': { type: 'string' },
      'exit-when-idle': { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const leaseSeconds = Number(values['lease-seconds'] ?? 600);
    if (!Number.isInteger(leaseSeconds) || leaseSeconds < 30 || leaseSeconds > 3600) {
      throw new UsageError(`--lease-seconds must be an integer from 30 to 3600, got ${values['lease-seconds']}`);
    }
    const idleMaxSeconds = Number(values['idle-max-seconds'] ?? 60);
    // NaN would make every idle wait 1 ms, so the loop would poll the service without pause.
    if (!Number.isFinite(idleMaxSeconds) || idleMaxSeconds <= 0) {
      throw new UsageError(`--idle-max-seconds must be a number of seconds above 0, got ${values['idle-max-seconds']}; use for example 60`);
    }
    const controller = new AbortController();
    // The loop's finally block releases the lease; a second signal exits at once.
    const stop = () => (controller.signal.aborted ? process.exit(130) : (logLine('stopping: releasing the current lease'), controller.abort()));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const client = new JobsClient({ service: required(values, 'service', 'MADMIX_SERVICE'), token: tokenFrom(values), log: logLine });
    await watch({
      client,
      worker: (values.worker as string | undefined) ?? `${hostname()}:${process.pid}`,
      leaseSeconds,
      stateRoot: resolve((values['state-root'] as string | undefined) ?? '.madmix-jobs'),
      idleMaxMs: idleMaxSeconds * 1000,
      exitWhenIdle: Boolean(values['exit-when-idle']),
      signal: controller.signal,
    });
    return controller.signal.aborted ? 130 : 0;
  } catch (error) {
    return failureStatus(error);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
