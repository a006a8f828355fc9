import { describe, expect, it } from 'vitest';
import { hashStats, mergeStats, parseSafetensors, parseStatsJson, type StatsSet } from '../../src/core/stats/index.js';
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { onError } from '../../src/worker/errors.js';
import type { Env as AppEnv } from '../../src/worker/types.js';
import { bearer, errorOf, fetchApi, postJson, READ_TOKEN, WRITE_TOKEN } from './helpers.js';

/** Builds a shard part in the stats JSON form: domains `names`, modalities image (dim 3) and text (dim 2). */
function shardPart(names: string[], seed: number): Record<string, unknown> {
  return {
    format: 'madmix.stats',
    version: 1,
    modalities: { image: { dim: 3 }, text: { dim: 2 } },
    domains: names.map((name, i) => ({
      name,
      samples: 10 + seed + i,
      stats: {
        image: { count: 2 + seed, sum: [seed + 0.25, i - 1.5, seed * i + 0.125] },
        text: { count: 1 + i, sum: [seed * 0.5, 3 - i] },
      },
    })),
  };
}

const PLAN = {
  name: 'tiny job',
  domains: [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }],
  modalities: [{ name: 'image' }, { name: 'text' }],
  shards: 3,
  samplesPerDataset: 16,
  seed: 7,
  mixture: { method: 'madmix', params: { lambda: 1 } },
  embedArgs: ['--domains', '/data/tiny corpus'],
};

interface CreatedJob {
  id: string;
  status: string;
  uploadToken: string;
  expiresAt: string;
  command: string;
  runArgs: string[];
}

async function createJob(overrides: Record<string, unknown> = {}): Promise<CreatedJob> {
  const res = await postJson('/v1/jobs', { ...PLAN, ...overrides }, bearer(WRITE_TOKEN));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return res.json();
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** PUTs `body` (JSON text) as shard `index`, with a correct x-content-sha256 unless `checksum` is given. */
async function putShard(jobId: string, index: number, body: string, token: string, checksum?: string): Promise<Response> {
  return fetchApi(`/v1/jobs/${jobId}/shards/${index}`, {
    method: 'PUT',
    headers: bearer(token, { 'content-type': 'application/json', 'x-content-sha256': checksum ?? (await sha256Hex(body)) }),
    body,
  });
}

function jobObject(jobId: string) {
  // The generated Cloudflare.Env typings predate the JOBS binding, so the test takes the app's own Env type.
  const { JOBS } = env as unknown as AppEnv;
  return JOBS.get(JOBS.idFromName(jobId));
}

/** Claims until a shard of `jobId` comes back; other open jobs of the file may be claimed first. */
async function claimFor(jobId: string, worker: string, leaseSeconds = 30): Promise<{ jobId: string; shardIndex: number; leaseId: string; leaseExpiresAt: string; runArgs: string[] }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await postJson('/v1/jobs/claim', { worker, leaseSeconds }, bearer(WRITE_TOKEN));
    if (res.status === 204) break;
    const claim = await res.json<{ jobId: string; shardIndex: number; leaseId: string; leaseExpiresAt: string; runArgs: string[] }>();
    if (claim.jobId === jobId) return claim;
  }
  throw new Error(`no shard of job ${jobId} could be claimed`);
}

const partText = (names: string[], seed: number) => JSON.stringify(shardPart(names, seed));

function getJob(jobId: string, token: string): Promise<Response> {
  return fetchApi(`/v1/jobs/${jobId}`, { headers: bearer(token) });
}

function complete(jobId: string, token: string, body?: unknown): Promise<Response> {
  return fetchApi(`/v1/jobs/${jobId}/complete`, {
    method: 'POST',
    headers: bearer(token, { 'content-type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('jobs: create and tokens', () => {
  it('create: returns id, scoped token and command', async () => {
    const job = await createJob();
    expect(job.id).toMatch(/^[0-9a-f]{32}$/);
    expect(job.uploadToken).toMatch(new RegExp(`^mjt_${job.id}_[0-9a-f]{64}$`));
    expect(job.status).toBe('pending');
    expect(job.command).toContain(`--job ${job.id}`);
    expect(job.command).toContain("--shard-count 3 -- --samples 16 --seed 7 --domains '/data/tiny corpus'");
    expect(Date.parse(job.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
  });

  it('create: read token is forbidden', async () => {
    const res = await postJson('/v1/jobs', PLAN, bearer(READ_TOKEN));
    expect(res.status).toBe(403);
  });

  it('create: rejects one domain and 1025 shards', async () => {
    const one = await postJson('/v1/jobs', { ...PLAN, domains: [{ name: 'alpha' }] }, bearer(WRITE_TOKEN));
    expect(one.status).toBe(422);
    const many = await postJson('/v1/jobs', { ...PLAN, shards: 1025 }, bearer(WRITE_TOKEN));
    expect(many.status).toBe(422);
    expect((await errorOf(many)).error.details?.field).toBe('shards');
  });

  it('get: job, read and write tokens see the job', async () => {
    const job = await createJob();
    for (const token of [job.uploadToken, READ_TOKEN, WRITE_TOKEN]) {
      const res = await getJob(job.id, token);
      expect(res.status).toBe(200);
      const view = await res.json<{ id: string; shards: { state: string }[] }>();
      expect(view.id).toBe(job.id);
      expect(view.shards.map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
    }
  });

  it('job token: forbidden outside its job', async () => {
    const job = await createJob();
    const other = await createJob();
    const stats = await postJson('/v1/stats', shardPart(['alpha', 'beta'], 1), bearer(job.uploadToken));
    expect(stats.status).toBe(403);
    expect((await errorOf(stats)).error.code).toBe('forbidden');
    expect((await getJob(other.id, job.uploadToken)).status).toBe(403);
    expect((await putShard(other.id, 0, partText(['alpha'], 1), job.uploadToken)).status).toBe(403);
    expect((await complete(other.id, job.uploadToken)).status).toBe(403);
    const claim = await postJson('/v1/jobs/claim', { worker: 'w', leaseSeconds: 60 }, bearer(job.uploadToken));
    expect(claim.status).toBe(403);
    expect((await fetchApi('/v1/stats', { headers: bearer(job.uploadToken) })).status).toBe(403);
  });

  it('job token: wrong secret is 401', async () => {
    const job = await createJob();
    const wrong = `mjt_${job.id}_${'0'.repeat(64)}`;
    const res = await getJob(job.id, wrong);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).error.message).toContain('Invalid job token');
  });

  it('job token: expired token is 401 saying so', async () => {
    const job = await createJob({ tokenTtlHours: 1 });
    await jobObject(job.id).advanceClockForTest(3_600_001);
    const res = await putShard(job.id, 0, partText(['alpha'], 1), job.uploadToken);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).error.message).toContain('expired');
    // The write token still works on the job.
    expect((await putShard(job.id, 0, partText(['alpha'], 1), WRITE_TOKEN)).status).toBe(201);
  });
});

describe('jobs: shard uploads', () => {
  it('upload: same body twice stores one part', async () => {
    const job = await createJob();
    const body = partText(['alpha', 'beta'], 2);
    const first = await putShard(job.id, 1, body, job.uploadToken);
    expect(first.status).toBe(201);
    const second = await putShard(job.id, 1, body, job.uploadToken);
    expect(second.status).toBe(200);
    expect((await second.json<{ created: boolean }>()).created).toBe(false);

    const object = await env.STATS.get(`jobs/${job.id}/shards/1.safetensors`);
    expect(object).not.toBeNull();
    const stored = parseSafetensors(new Uint8Array(await object!.arrayBuffer()));
    expect(await hashStats(stored)).toBe(await hashStats(parseStatsJson(body)));
    const listed = await env.STATS.list({ prefix: `jobs/${job.id}/` });
    expect(listed.objects.map((o) => o.key)).toEqual([`jobs/${job.id}/shards/1.safetensors`]);

    const view = await (await getJob(job.id, WRITE_TOKEN)).json<{ status: string; totals: { uploaded: number; domains: Record<string, { samples: number; counts: Record<string, number> }> } }>();
    expect(view.status).toBe('running');
    expect(view.totals.uploaded).toBe(1);
    expect(view.totals.domains.alpha).toEqual({ samples: 12, counts: { image: 4, text: 1 } });
  });

  it('upload: different body for an uploaded shard is 409', async () => {
    const job = await createJob();
    expect((await putShard(job.id, 0, partText(['alpha'], 1), job.uploadToken)).status).toBe(201);
    const res = await putShard(job.id, 0, partText(['alpha'], 2), job.uploadToken);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).error.code).toBe('conflict');
  });

  it('upload: checksum mismatch is 422 with both digests', async () => {
    const job = await createJob();
    const body = partText(['alpha'], 1);
    const res = await putShard(job.id, 0, body, job.uploadToken, 'a'.repeat(64));
    expect(res.status).toBe(422);
    const { error } = await errorOf(res);
    expect(error.details?.expected).toBe('a'.repeat(64));
    expect(error.details?.actual).toBe(await sha256Hex(body));
  });

  it('upload: rejects unplanned domain, bad dims and bad index', async () => {
    const job = await createJob();
    expect((await putShard(job.id, 0, partText(['delta'], 1), job.uploadToken)).status).toBe(422);
    expect((await putShard(job.id, 0, partText(['alpha'], 1), job.uploadToken)).status).toBe(201);
    const wide = shardPart(['beta'], 1);
    (wide.modalities as Record<string, { dim: number }>).text = { dim: 3 };
    ((wide.domains as { stats: { text: { sum: number[] } } }[])[0].stats.text.sum) = [1, 2, 3];
    const res = await putShard(job.id, 1, JSON.stringify(wide), job.uploadToken);
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.message).toContain('dim 3');
    expect((await putShard(job.id, 3, partText(['alpha'], 1), job.uploadToken)).status).toBe(404);
  });

  it('upload: concurrent shards all count once', async () => {
    const job = await createJob({ shards: 8 });
    const bodies = Array.from({ length: 8 }, (_, i) => partText(['alpha', 'beta', 'gamma'], i));
    const responses = await Promise.all(bodies.map((body, i) => putShard(job.id, i, body, job.uploadToken)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    const view = await (await getJob(job.id, WRITE_TOKEN)).json<{ totals: { uploaded: number; domains: Record<string, { counts: Record<string, number> }> } }>();
    expect(view.totals.uploaded).toBe(8);
    // image count of part i is 2 + i, so 8 parts give 16 + 28.
    expect(view.totals.domains.gamma.counts.image).toBe(44);
  });
});

describe('jobs: complete', () => {
  it('complete: missing shards is 409 listing them', async () => {
    const job = await createJob();
    await putShard(job.id, 1, partText(['alpha', 'beta'], 1), job.uploadToken);
    const res = await complete(job.id, job.uploadToken);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).error.details?.missing).toEqual([0, 2]);
  });

  it('complete: merges exactly and is idempotent', async () => {
    const job = await createJob();
    const bodies = [partText(['alpha', 'beta'], 1), partText(['beta', 'gamma'], 2), partText(['gamma', 'alpha'], 3)];
    await Promise.all(bodies.map((body, i) => putShard(job.id, i, body, job.uploadToken)));
    const res = await complete(job.id, job.uploadToken);
    expect(res.status).toBe(201);
    const done = await res.json<{ statsId: string; mixtureId: string; url: string; shardsIncluded: number[]; partial: boolean }>();
    expect(done.shardsIncluded).toEqual([0, 1, 2]);
    expect(done.partial).toBe(false);
    expect(done.mixtureId).toMatch(/^[0-9a-f]{32}$/);

    const expected: StatsSet = bodies.map(parseStatsJson).reduce((a, b) => mergeStats(a, b));
    expect(done.statsId).toBe(await hashStats(expected));
    const stored = parseSafetensors(new Uint8Array(await (await env.STATS.get(`stats/${done.statsId}.safetensors`))!.arrayBuffer()));
    // Sums are compared exactly (tolerance 0): the merge adds the same float64 values in the same order.
    expect(Array.from(stored.domains[0].stats.image.sum)).toEqual(Array.from(expected.domains[0].stats.image.sum));

    const mixture = await fetchApi(`/v1/mixtures/${done.mixtureId}`);
    expect(mixture.status).toBe(200);
    expect((await mixture.json<{ statsId: string }>()).statsId).toBe(done.statsId);

    const again = await complete(job.id, WRITE_TOKEN);
    expect(again.status).toBe(200);
    const second = await again.json<{ statsId: string; mixtureId: string }>();
    expect(second.statsId).toBe(done.statsId);
    expect(second.mixtureId).toBe(done.mixtureId);

    const view = await (await getJob(job.id, READ_TOKEN)).json<{ status: string; result: { statsId: string } }>();
    expect(view.status).toBe('completed');
    expect(view.result.statsId).toBe(done.statsId);
    expect((await putShard(job.id, 0, bodies[1], job.uploadToken)).status).toBe(409);
  });

  it('complete: allowPartial merges the shards present', async () => {
    const job = await createJob({ mixture: undefined });
    await putShard(job.id, 0, partText(['alpha', 'beta'], 1), job.uploadToken);
    await putShard(job.id, 2, partText(['gamma'], 2), job.uploadToken);
    const res = await complete(job.id, job.uploadToken, { allowPartial: true });
    expect(res.status).toBe(201);
    const done = await res.json<{ statsId: string; mixtureId?: string; shardsIncluded: number[]; partial: boolean }>();
    expect(done.shardsIncluded).toEqual([0, 2]);
    expect(done.partial).toBe(true);
    expect(done.mixtureId).toBeUndefined();
  });
});

describe('jobs: leases', () => {
  it('lease: claim, renew, expire, re-claim, release', async () => {
    const job = await createJob({ shards: 1 });
    const first = await claimFor(job.id, 'gpu-a');
    expect(first.shardIndex).toBe(0);
    expect(first.runArgs).toContain('--shard-index');
    const leased = await (await getJob(job.id, WRITE_TOKEN)).json<{ shards: { state: string; lease?: { worker: string } }[] }>();
    expect(leased.shards[0]).toMatchObject({ state: 'leased', lease: { worker: 'gpu-a' } });

    const lease = `/v1/jobs/${job.id}/shards/0/lease`;
    const renewed = await postJson(lease, { leaseId: first.leaseId, leaseSeconds: 60 }, bearer(WRITE_TOKEN));
    expect(renewed.status).toBe(200);
    expect(Date.parse((await renewed.json<{ leaseExpiresAt: string }>()).leaseExpiresAt)).toBeGreaterThan(Date.parse(first.leaseExpiresAt));

    // The job's object runs on a clock the test moves past the lease; then another worker claims the shard.
    await jobObject(job.id).advanceClockForTest(61_000);
    const second = await claimFor(job.id, 'gpu-b');
    expect(second.shardIndex).toBe(0);
    expect(second.leaseId).not.toBe(first.leaseId);

    const lost = await postJson(lease, { leaseId: first.leaseId, leaseSeconds: 60 }, bearer(WRITE_TOKEN));
    expect(lost.status).toBe(409);
    const stale = await fetchApi(`${lease}?leaseId=${first.leaseId}`, { method: 'DELETE', headers: bearer(WRITE_TOKEN) });
    expect((await stale.json<{ released: boolean }>()).released).toBe(false);
    const release = await fetchApi(`${lease}?leaseId=${second.leaseId}`, { method: 'DELETE', headers: bearer(WRITE_TOKEN) });
    expect((await release.json<{ released: boolean }>()).released).toBe(true);
    const after = await (await getJob(job.id, WRITE_TOKEN)).json<{ shards: { state: string }[] }>();
    expect(after.shards[0].state).toBe('pending');
  });

  it('lease: uploaded shards are not claimed', async () => {
    const job = await createJob({ shards: 1 });
    await putShard(job.id, 0, partText(['alpha'], 1), job.uploadToken);
    await expect(claimFor(job.id, 'gpu-c')).rejects.toThrow('could be claimed');
  });

  it('lease: leaseSeconds below 30 is 422', async () => {
    const res = await postJson('/v1/jobs/claim', { worker: 'w', leaseSeconds: 5 }, bearer(WRITE_TOKEN));
    expect(res.status).toBe(422);
  });
});

describe('jobs: plan checks at creation', () => {
  const rejects = async (overrides: Record<string, unknown>) => {
    const res = await postJson('/v1/jobs', { ...PLAN, ...overrides }, bearer(WRITE_TOKEN));
    expect(res.status).toBe(422);
    return (await errorOf(res)).error;
  };

  it('create: rejects invalid mixture parameters', async () => {
    const lambda = await rejects({ mixture: { method: 'madmix', params: { lambda: -1 } } });
    expect(lambda.details?.field).toBe('mixture.params.lambda');
    const noModality = await rejects({ mixture: { method: 'modality' } });
    expect(noModality.details?.field).toBe('mixture.params.modality');
    const unplanned = await rejects({ mixture: { method: 'modality', params: { modality: 'audio' } } });
    expect(unplanned.message).toContain('audio');
    const unknown = await rejects({ mixture: { method: 'madmix', params: { lamda: 1 } } });
    expect(unknown.code).toBe('unknown_parameter');
  });

  it('create: rejects names that statistics reject', async () => {
    const integer = await rejects({ modalities: [{ name: '0' }, { name: 'text' }] });
    expect(integer.details?.field).toBe('modalities[0].name');
    const control = await rejects({ domains: [{ name: 'al\u0007pha' }, { name: 'beta' }] });
    expect(control.details?.field).toBe('domains[0].name');
    expect(control.message).toContain('U+0007');
    const datasets = await rejects({ domains: [{ name: 'alpha', datasets: ['coco', 'coco'] }, { name: 'beta' }] });
    expect(datasets.message).toContain('twice');
  });

  it('create: rejects embedArgs the job controls', async () => {
    const error = await rejects({ embedArgs: ['--domains', '/data', '--out', 'x.safetensors', '--seed=3'] });
    expect(error.details?.field).toBe('embedArgs');
    expect(error.details?.rejected).toEqual(['--out', '--seed=3']);
    expect(error.message).toContain('--shard-index');
  });

  it('create: missing name says it is required', async () => {
    const { name: _name, ...unnamed } = PLAN;
    const res = await postJson('/v1/jobs', unnamed, bearer(WRITE_TOKEN));
    expect(res.status).toBe(422);
    const { error } = await errorOf(res);
    expect(error.message).toMatch(/^Missing required field name \(/);
    expect(error.details?.field).toBe('name');
  });

  it('create: multi-shard command needs SHARD', async () => {
    const job = await createJob();
    expect(job.command).toContain(`--job ${job.id} --shard-index "$SHARD" --shard-count 3`);
    const single = await createJob({ shards: 1 });
    expect(single.command).not.toContain('--shard-index');
  });
});

describe('jobs: failures kept and reported', () => {
  it('complete: mixture failure keeps merged stats', async () => {
    // The parts record samples but no tokens, so a tokens-based baseline can only fail at completion.
    const job = await createJob({ shards: 1, mixture: { method: 'proportional', params: { size: 'tokens' } } });
    await putShard(job.id, 0, partText(['alpha', 'beta'], 1), job.uploadToken);
    const res = await complete(job.id, job.uploadToken);
    expect(res.status).toBe(422);
    const { error } = await errorOf(res);
    const statsId = error.details?.statsId as string;
    expect(statsId).toBe(await hashStats(parseStatsJson(partText(['alpha', 'beta'], 1))));
    expect(await env.STATS.get(`stats/${statsId}.safetensors`)).not.toBeNull();
    const view = await (await getJob(job.id, READ_TOKEN)).json<{ status: string; failure: { statsId?: string } }>();
    expect(view.status).toBe('failed');
    expect(view.failure.statsId).toBe(statsId);
  });

  it('lease: shard failing 3 times is marked failed', async () => {
    const broken = await createJob({ shards: 1 });
    const lease = (index: number, leaseId: string) => `/v1/jobs/${broken.id}/shards/${index}/lease?leaseId=${leaseId}`;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claim = await claimFor(broken.id, 'gpu-f');
      const res = await fetchApi(lease(claim.shardIndex, claim.leaseId), {
        method: 'DELETE',
        headers: bearer(WRITE_TOKEN, { 'content-type': 'application/json' }),
        body: JSON.stringify({ failed: true, error: `ENOENT attempt ${attempt}` }),
      });
      expect((await res.json<{ released: boolean }>()).released).toBe(true);
      if (attempt === 1) await expect(claimFor(broken.id, 'gpu-f')).rejects.toThrow('could be claimed');
      // Past the longest retry wait (60 s doubled per failed run).
      await jobObject(broken.id).advanceClockForTest(300_000);
    }
    const view = await (await getJob(broken.id, READ_TOKEN)).json<{ status: string; shards: { state: string; attempts: number; lastError: string }[] }>();
    expect(view.status).toBe('failed');
    expect(view.shards[0]).toMatchObject({ state: 'failed', attempts: 3, lastError: 'ENOENT attempt 3' });
    await expect(claimFor(broken.id, 'gpu-f')).rejects.toThrow('could be claimed');
    // Created only now, because claimFor leases the shards of other jobs while it searches.
    const healthy = await createJob({ shards: 1 });
    expect((await claimFor(healthy.id, 'gpu-f')).shardIndex).toBe(0);
  });

  it('upload: malformed index is 404 for every token', async () => {
    const job = await createJob();
    for (const index of ['-1', 'abc']) {
      for (const token of [job.uploadToken, WRITE_TOKEN]) {
        const res = await putShard(job.id, index as unknown as number, partText(['alpha'], 1), token);
        expect(res.status).toBe(404);
      }
    }
  });
});

describe('jobs: transient Durable Object errors', () => {
  it('errors: object reset is JSON 503', async () => {
    const app = new Hono();
    app.onError(onError as never);
    app.post('/v1/jobs', () => {
      throw Object.assign(new Error('Durable Object reset because its code was updated.'), { retryable: true });
    });
    const res = await app.request('/v1/jobs', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const { error } = await errorOf(res);
    expect(error.code).toBe('storage_unavailable');
    expect(error.message).toContain('Durable Object reset');
  });
});
