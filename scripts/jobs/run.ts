#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failureStatus, logLine, parseJobArgs, required, tokenFrom, UsageError } from './args.js';
import { resolveShard } from '../embed/sampling.js';
import { JobsClient } from './client.js';

export const USAGE = `Usage: npx tsx scripts/jobs/run.ts --service URL --job ID [--shard-index I] --shard-count N [options] -- [embed flags]

Embeds one shard of a madmix job with scripts/embed and uploads its statistics.
Re-running resumes from the embed checkpoint, and the upload is idempotent.

  --service URL       madmix service origin
  --job ID            job id from POST /v1/jobs
  --token TOKEN       job or write token (default: MADMIX_JOB_TOKEN, else MADMIX_TOKEN)
  --shard-index I     shard to run (default: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, or JOB_COMPLETION_INDEX)
  --shard-count N     number of shards of the job
  --state-dir DIR     checkpoint and output folder (default .madmix-jobs/<job>/shard-<I>)
  --stats FILE        upload this statistics file (.json or .safetensors) instead of embedding
  --watch             run as a worker that claims shards of any job; see scripts/jobs/watch.ts --help
`;

export interface ShardRun {
  client: JobsClient;
  jobId: string;
  shardIndex: number;
  shardCount: number;
  embedArgs: string[];
  stateDir: string;
  statsFile?: string;
  log?: (line: string) => void;
}

/** Embeds the shard in this process with the embed script's library, resuming from its checkpoint in `stateDir`. */
async function embedShard(run: ShardRun): Promise<string> {
  const out = join(run.stateDir, `shard-${run.shardIndex}.safetensors`);
  // A finished output from an earlier run whose upload failed is uploaded as is.
  if (existsSync(out)) return out;
  const { parseCli } = await import('../embed/cli.js');
  const { runEmbedding } = await import('../embed/pipeline.js');
  const { writeStats } = await import('../embed/output.js');
  const shardFlags = ['--shard-index', String(run.shardIndex), '--shard-count', String(run.shardCount), '--state-dir', run.stateDir];
  const { options } = parseCli([...run.embedArgs, ...shardFlags]);
  const { set } = await runEmbedding(options);
  await writeStats(set, out);
  return out;
}

/** Produces (or reuses) the shard's statistics and uploads them; returns whether the upload created the part. */
export async function runShard(run: ShardRun): Promise<boolean> {
  const log = run.log ?? logLine;
  const label = `job ${run.jobId} shard ${run.shardIndex}/${run.shardCount}`;
  const job = await run.client.getJob(run.jobId);
  if (job.plan.shards !== run.shardCount) {
    throw new Error(`--shard-count is ${run.shardCount} but job ${run.jobId} has ${job.plan.shards} shards; use the job's command`);
  }
  if (job.shards[run.shardIndex]?.state === 'uploaded') {
    log(`${label}: already uploaded`);
    return false;
  }
  mkdirSync(run.stateDir, { recursive: true });
  let file = run.statsFile;
  if (!file) {
    log(`${label}: embedding`);
    file = await embedShard(run);
  }
  const bytes = new Uint8Array(readFileSync(file));
  const contentType = file.endsWith('.json') ? 'application/json' : 'application/x-safetensors';
  log(`${label}: uploading ${bytes.byteLength} bytes`);
  const { created } = await run.client.putShard(run.jobId, run.shardIndex, bytes, contentType);
  log(`${label}: ${created ? 'uploaded' : 'already uploaded (same bytes)'}`);
  return created;
}

const INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'];

/** Rejects a multi-shard run whose index comes from nowhere, since the embed script would silently run shard 0. */
function requireShardIndex(index: string | undefined, count: string | undefined, env = process.env): void {
  if (index === '') throw new UsageError('--shard-index is empty; set SHARD (or pass a number) to a shard from 0 to the shard count minus 1');
  if (index !== undefined || INDEX_VARIABLES.some((name) => env[name] !== undefined)) return;
  if (count !== undefined && Number(count) > 1) {
    throw new UsageError(`--shard-index is missing and neither ${INDEX_VARIABLES.join(' nor ')} is set; pass --shard-index 0 to ${Number(count) - 1} for a ${count}-shard job`);
  }
}

function parseShard(index: string | undefined, count: string | undefined): { index: number; count: number } {
  try {
    return resolveShard({ index, count });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--watch')) {
    const { main: watchMain } = await import('./watch.js');
    return watchMain(argv.filter((arg) => arg !== '--watch'));
  }
  try {
    const { values, rest } = parseJobArgs(argv, {
      job: { type: 'string' },
      'shard-index': { type: 'string' },
      'shard-count': { type: 'string' },
      'state-dir': { type: 'string' },
      stats: { type: 'string' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const jobId = required(values, 'job');
    requireShardIndex(values['shard-index'] as string | undefined, values['shard-count'] as string | undefined);
    const shard = parseShard(values['shard-index'] as string | undefined, values['shard-count'] as string | undefined);
    const client = new JobsClient({ service: required(values, 'service', 'MADMIX_SERVICE'), token: tokenFrom(values), log: logLine });
    await runShard({
      client,
      jobId,
      shardIndex: shard.index,
      shardCount: shard.count,
      embedArgs: rest,
      stateDir: resolve((values['state-dir'] as string | undefined) ?? join('.madmix-jobs', jobId, `shard-${shard.index}`)),
      statsFile: values.stats as string | undefined,
    });
    return 0;
  } catch (error) {
    return failureStatus(error);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
