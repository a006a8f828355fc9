import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseStatsJson } from '../../src/core/stats/index.js';
import { startDevServer } from '../lib/dev-server.js';
import { JobsClient } from '../jobs/client.js';
import { prepareCorpus } from './build.js';
import { compareStats } from './compare-stats.js';
import { CORPUS_MODALITIES, holdLease, planDomains, runScript, tokenFreeEnv } from './e2e-steps.js';
import { resolveModelDir } from './model-dir.js';

const USAGE = `Usage: npx tsx scripts/corpus/e2e.ts [options]

Runs the Debian corpus (docs/corpus.md) end to end through a local madmix
service: starts \`wrangler dev\` on 127.0.0.1 with a fresh write token,
creates a job with a MaD-Mix mixture, embeds shard 0 with scripts/jobs/run.ts
and the job token and the other shards with a \`run.ts --watch\` worker,
completes the job, fetches the share page, and compares the merged
statistics with a local file. Prints a JSON summary on stdout.

  --work DIR          corpus folder (default: $TMPDIR/madmix-debian-corpus)
  --model-dir DIR     folder holding mobilenetv2-12-float.onnx (default: MADMIX_MODEL_DIR)
  --samples N         samples per dataset (default 512, as data/debian-corpus.stats.json)
  --seed N            sampling seed (default 0)
  --shards N          job shards, at least 2 (default 2)
  --jobs N            decoder processes per shard (default 1)
  --compare FILE      statistics to compare with (default data/debian-corpus.stats.json);
                      skipped when its meta names another seed or sample count
  --save FILE         write the service's merged statistics (stats JSON) here
  --keep              keep the temporary folder (wrangler state, checkpoints)
`;

const LEASE_SECONDS = 600;
const log = (line: string) => process.stderr.write(`e2e: ${line}\n`);
const elapsed = (since: number) => Number(((Date.now() - since) / 1000).toFixed(1));

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      work: { type: 'string' },
      'model-dir': { type: 'string' },
      samples: { type: 'string' },
      seed: { type: 'string' },
      shards: { type: 'string' },
      jobs: { type: 'string' },
      compare: { type: 'string' },
      save: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const integer = (flag: string, value: string | undefined, fallback: number, min: number) => {
    const n = Number(value ?? fallback);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}, got ${value}`);
    return n;
  };
  return {
    help: Boolean(values.help),
    work: values.work ?? join(tmpdir(), 'madmix-debian-corpus'),
    modelDir: values.help ? '' : resolveModelDir(values['model-dir']),
    samples: integer('samples', values.samples, 512, 1),
    seed: integer('seed', values.seed, 0, 0),
    shards: integer('shards', values.shards, 2, 2),
    jobs: integer('jobs', values.jobs, 1, 1),
    compare: values.compare ?? 'data/debian-corpus.stats.json',
    save: values.save,
    keep: Boolean(values.keep),
  };
}

type Options = ReturnType<typeof parse> & { stateRoot: string };

/** Creates the job, runs its shards (run.ts for shard 0, a watch worker for the rest) and completes it. */
async function runJob(options: Options, origin: string, writeToken: string, timings: Record<string, number>) {
  const admin = new JobsClient({ service: origin, token: writeToken, log });
  const job = (await admin.createJob({
    name: 'debian-corpus-e2e',
    shards: options.shards,
    domains: planDomains(options.work),
    modalities: CORPUS_MODALITIES,
    samplesPerDataset: options.samples,
    seed: options.seed,
    mixture: { method: 'madmix', params: { lambda: 10 } },
    embedArgs: ['--domains', options.work, '--model-dir', options.modelDir, '--jobs', String(options.jobs), '--batch-size', '32', '--corpus', 'debian-packages', '--no-progress'],
  })) as Awaited<ReturnType<JobsClient['createJob']>> & { embedArgs: string[] };
  log(`job ${job.id} created with ${options.shards} shards`);

  // The lease keeps the watch worker off the shard that run.ts embeds, since run.ts takes none.
  const claim = await admin.claim('e2e:run.ts', LEASE_SECONDS);
  if (!claim || claim.jobId !== job.id) throw new Error(`claim returned ${JSON.stringify(claim)}, expected a shard of job ${job.id}`);
  const release = holdLease(admin, job.id, claim.shardIndex, claim.leaseId, LEASE_SECONDS, log);
  const runArgs = ['scripts/jobs/run.ts', '--service', origin, '--job', job.id, '--shard-count', String(options.shards),
    '--shard-index', String(claim.shardIndex), '--state-dir', join(options.stateRoot, `run-shard-${claim.shardIndex}`), '--', ...job.embedArgs];
  const watchArgs = ['scripts/jobs/run.ts', '--watch', '--service', origin, '--worker', 'e2e-watch', '--state-root', join(options.stateRoot, 'watch'),
    '--exit-when-idle', '--lease-seconds', String(LEASE_SECONDS)];
  const started = Date.now();
  const [single, watcher] = await Promise.all([
    runScript(`run.ts shard ${claim.shardIndex}`, runArgs, { ...tokenFreeEnv(), MADMIX_JOB_TOKEN: job.uploadToken })
      .finally(release),
    runScript('run.ts --watch', watchArgs, { ...tokenFreeEnv(), MADMIX_TOKEN: writeToken }),
  ]);
  timings.shards = elapsed(started);
  timings.runShard = single.seconds;
  timings.watchWorker = watcher.seconds;
  if (single.code !== 0 || watcher.code !== 0) throw new Error(`a shard process failed: run.ts exited with ${single.code}, the watch worker with ${watcher.code}`);
  const state = await admin.getJob(job.id);
  const missing = state.shards.filter((shard) => shard.state !== 'uploaded').map((shard) => shard.index);
  if (missing.length > 0) throw new Error(`shards ${missing.join(', ')} of job ${job.id} are not uploaded after both processes exited`);

  const completeStarted = Date.now();
  const done = await runScript('complete.ts', ['scripts/jobs/complete.ts', '--service', origin, '--job', job.id], { ...tokenFreeEnv(), MADMIX_JOB_TOKEN: job.uploadToken });
  timings.complete = elapsed(completeStarted);
  if (done.code !== 0) throw new Error(`complete.ts exited with ${done.code}`);
  return { jobId: job.id, ...(JSON.parse(done.stdout) as { statsId: string; mixtureId?: string; url?: string }) };
}

/** Fetches the share page and the merged statistics as stats JSON. */
async function fetchResults(origin: string, writeToken: string, statsId: string, url?: string) {
  const page = url ? await fetch(url) : undefined;
  const pageText = page ? await page.text() : '';
  const download = await fetch(`${origin}/v1/stats/${statsId}/download?format=json`, { headers: { authorization: `Bearer ${writeToken}` } });
  const statsText = await download.text();
  if (!download.ok) throw new Error(`GET /v1/stats/${statsId}/download returned ${download.status}: ${statsText.slice(0, 300)}`);
  return { pageStatus: page?.status, pageBytes: pageText.length, statsText };
}

/** Compares the service's set with the local file when both used the same seed and samples per dataset. */
async function compareWithLocal(options: Options, statsText: string) {
  const local = parseStatsJson(readFileSync(options.compare, 'utf8'));
  const sampled = local.meta?.samplesPerDataset;
  const seeded = local.meta?.seed;
  if (sampled !== String(options.samples) || seeded !== String(options.seed)) {
    log(`comparison skipped: ${options.compare} used ${sampled} samples per dataset and seed ${seeded}, this run ${options.samples} and ${options.seed}`);
    return undefined;
  }
  return { file: options.compare, ...(await compareStats(parseStatsJson(statsText), local)) };
}

export async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  const parsed = parse(argv);
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const temp = mkdtempSync(join(tmpdir(), 'madmix-e2e-'));
  const options: Options = { ...parsed, stateRoot: join(temp, 'state') };
  const timings: Record<string, number> = {};
  await prepareCorpus(options.work, availableParallelism());
  timings.prepare = elapsed(started);

  const serverStarted = Date.now();
  const server = await startDevServer(join(temp, 'persist'));
  timings.server = elapsed(serverStarted);
  log(`wrangler dev listening on ${server.origin} (state in ${temp})`);
  try {
    const result = await runJob(options, server.origin, server.token, timings);
    const fetched = await fetchResults(server.origin, server.token, result.statsId, result.url);
    if (options.save) writeFileSync(options.save, fetched.statsText);
    const comparison = await compareWithLocal(options, fetched.statsText);
    timings.total = elapsed(started);
    const summary = { ...result, sharePage: { status: fetched.pageStatus, bytes: fetched.pageBytes }, samples: options.samples, seed: options.seed, shards: options.shards, seconds: timings, comparison };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (fetched.pageStatus !== 200) log(`share page ${result.url} returned ${fetched.pageStatus}, expected 200`);
    if (comparison && !comparison.equal) log(`the service's set differs from ${comparison.file}: ${comparison.differences.join('; ')}`);
    return fetched.pageStatus === 200 && (comparison?.equal ?? true) ? 0 : 1;
  } finally {
    await server.stop();
    log('wrangler dev stopped');
    if (!options.keep) rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      log(`failed: ${error.message}`);
      process.exit(1);
    },
  );
}
