import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as completeMain } from '../../scripts/jobs/complete.js';
import { JobsClient, ServiceError } from '../../scripts/jobs/client.js';
import { main as runMain } from '../../scripts/jobs/run.js';
import { main as watchMain, watch } from '../../scripts/jobs/watch.js';
import { hashStats, mergeStats, parseStatsJson } from '../../src/core/stats/index.js';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server.js';

/** Builds a shard part in the stats JSON form with dim-4 image and dim-2 text sums. */
function shardStats(names: string[], seed: number): string {
  return JSON.stringify({
    format: 'madmix.stats',
    version: 1,
    modalities: { image: { dim: 4 }, text: { dim: 2 } },
    domains: names.map((name, i) => ({
      name,
      samples: 5 + i,
      stats: {
        image: { count: 3, sum: [seed + i, 0.5 * i, -seed, 1.25] },
        text: { count: 2, sum: [i - seed, 2.5] },
      },
    })),
  });
}

const PLAN = {
  name: 'node client job',
  domains: [{ name: 'charts' }, { name: 'photos' }, { name: 'docs' }],
  modalities: [{ name: 'image' }, { name: 'text' }],
  shards: 2,
  mixture: { method: 'madmix' },
};

describe('jobs client against wrangler dev', () => {
  let server: DevServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'madmix-jobs-'));
    server = await startDevServer(join(dir, 'state'));
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('client: two shards end to end', async () => {
    const log: string[] = [];
    const admin = new JobsClient({ service: server.origin, token: server.token, log: (line) => log.push(line) });
    const job = await admin.createJob(PLAN);
    expect(job.command).toContain(`--job ${job.id}`);

    // Shard 0 through the run.ts CLI with the job token and a ready statistics file.
    const part0 = join(dir, 'part0.json');
    writeFileSync(part0, shardStats(['charts', 'photos'], 1));
    const args = ['--service', server.origin, '--job', job.id, '--token', job.uploadToken, '--shard-index', '0', '--shard-count', '2', '--stats', part0, '--state-dir', join(dir, 's0')];
    expect(await runMain(args)).toBe(0);
    // A rerun finds the shard uploaded and does nothing.
    expect(await runMain(args)).toBe(0);

    // Shard 1 through the --watch loop, which claims it with a lease and releases it after the upload.
    const part1 = shardStats(['photos', 'docs'], 2);
    const ran = await watch({
      client: admin,
      worker: 'test-gpu',
      leaseSeconds: 60,
      stateRoot: join(dir, 'watch'),
      exitWhenIdle: true,
      log: (line) => log.push(line),
      runClaim: async (claim) => {
        expect(claim).toMatchObject({ jobId: job.id, shardIndex: 1, shardCount: 2 });
        await admin.putShard(claim.jobId, claim.shardIndex, new TextEncoder().encode(part1), 'application/json');
      },
    });
    expect(ran).toBe(1);
    expect(log.some((line) => line.startsWith(`claimed job ${job.id} shard 1/2`))).toBe(true);

    const state = await admin.getJob(job.id);
    expect(state.shards.map((s) => s.state)).toEqual(['uploaded', 'uploaded']);

    const done = await admin.complete(job.id);
    const expected = mergeStats(parseStatsJson(shardStats(['charts', 'photos'], 1)), parseStatsJson(part1));
    expect(done.statsId).toBe(await hashStats(expected));
    expect(done.mixtureId).toMatch(/^[0-9a-f]{32}$/);
    expect(done.shardsIncluded).toEqual([0, 1]);

    // complete.ts prints the same ids on a second completion.
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stdout.write;
    try {
      expect(await completeMain(['--service', server.origin, '--job', job.id, '--token', job.uploadToken])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(JSON.parse(written.join(''))).toMatchObject({ statsId: done.statsId, mixtureId: done.mixtureId });
  });

  it('client: 4xx is thrown without retry', async () => {
    const admin = new JobsClient({ service: server.origin, token: server.token, attempts: 3, backoffMs: 10 });
    const error = await admin.getJob('0'.repeat(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).status).toBe(404);
  });
});

describe('jobs client retries', () => {
  let server: Server;
  let origin: string;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      if (hits < 3) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"busy"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","status":"pending","plan":{"shards":1},"shards":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('client: retries 5xx with backoff', async () => {
    const lines: string[] = [];
    const client = new JobsClient({ service: origin, token: 'secret-token', attempts: 4, backoffMs: 5, log: (line) => lines.push(line) });
    const job = await client.getJob('a'.repeat(32));
    expect(job.status).toBe('pending');
    expect(hits).toBe(3);
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('secret-token');
  });
});

describe('jobs scripts: usage and failures', () => {
  /** Runs `fn` with stderr captured; returns its result and the lines written. */
  async function withStderr<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stderr.write;
    try {
      return { result: await fn(), stderr: lines.join('') };
    } finally {
      process.stderr.write = write;
    }
  }

  it('run: multi-shard job without index exits 2', async () => {
    const saved = { slurm: process.env.SLURM_ARRAY_TASK_ID, k8s: process.env.JOB_COMPLETION_INDEX };
    delete process.env.SLURM_ARRAY_TASK_ID;
    delete process.env.JOB_COMPLETION_INDEX;
    try {
      const { result, stderr } = await withStderr(() => runMain(['--service', 'http://127.0.0.1:9', '--job', 'a'.repeat(32), '--token', 't', '--shard-count', '3']));
      expect(result).toBe(2);
      expect(stderr).toContain('--shard-index');
      expect(stderr).toContain('SLURM_ARRAY_TASK_ID');
      expect(stderr).toContain('JOB_COMPLETION_INDEX');
      const empty = await withStderr(() => runMain(['--service', 'http://127.0.0.1:9', '--job', 'a'.repeat(32), '--token', 't', '--shard-index', '', '--shard-count', '3']));
      expect(empty.result).toBe(2);
    } finally {
      if (saved.slurm !== undefined) process.env.SLURM_ARRAY_TASK_ID = saved.slurm;
      if (saved.k8s !== undefined) process.env.JOB_COMPLETION_INDEX = saved.k8s;
    }
  });

  it('scripts: usage errors exit 2', async () => {
    expect((await withStderr(() => completeMain(['--service', 'http://127.0.0.1:9', '--token', 't']))).result).toBe(2);
    const unknown = await withStderr(() => completeMain(['--bogus']));
    expect(unknown.result).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('client: unreachable service names the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new JobsClient({ service: origin, token: 't', attempts: 1 });
    const error = (await client.getJob('a'.repeat(32)).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`cannot reach ${origin}`);
    expect(error.message).toContain('--service');
  });

  it('watch: failed shard is reported on release', async () => {
    const released: (string | undefined)[] = [];
    let claims = 0;
    const client = {
      claim: async () => (claims++ === 0 ? { jobId: 'j', shardIndex: 0, shardCount: 2, leaseId: 'l', leaseExpiresAt: '', embedArgs: [] } : undefined),
      renew: async () => ({ leaseExpiresAt: '' }),
      release: async (_job: string, _index: number, _lease: string, error?: string) => (released.push(error), { released: true }),
    } as unknown as JobsClient;
    const ran = await watch({
      client,
      worker: 'w',
      leaseSeconds: 60,
      stateRoot: dir,
      idleMaxMs: 1,
      exitWhenIdle: true,
      log: () => {},
      runClaim: async () => {
        throw new Error('ENOENT: no such folder /data/missing');
      },
    });
    expect(ran).toBe(0);
    expect(released).toEqual(['ENOENT: no such folder /data/missing']);
    expect(claims).toBe(2);
  });

  it('watch: idle waits leave no abort listeners', async () => {
    const controller = new AbortController();
    const listeners: number[] = [];
    let claims = 0;
    const client = {
      claim: async () => {
        listeners.push(getEventListeners(controller.signal, 'abort').length);
        if (++claims === 5) controller.abort();
        return undefined;
      },
    } as unknown as JobsClient;
    await watch({ client, worker: 'w', leaseSeconds: 60, stateRoot: dir, idleMaxMs: 1, signal: controller.signal, log: () => {} });
    expect(claims).toBe(5);
    expect(listeners).toEqual([0, 0, 0, 0, 0]);
  });

  it('watch --idle-max-seconds: non-number is a usage error', async () => {
    const code = await watchMain(['--service', 'http://127.0.0.1:9', '--token', 't', '--idle-max-seconds', 'abc']);
    expect(code).toBe(2);
  });

  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'madmix-watch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
});
