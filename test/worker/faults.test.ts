import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setStorageFaultsForTest } from '../../src/worker/storage.js';
import { auditBucket } from '../helpers/fuzz/audit.js';
import { faultyBucket, type FaultPlan } from '../helpers/fuzz/faulty-bucket.js';
import { bearer, errorOf, fetchApi, postJson, READ_TOKEN, tinyStats, upload, WRITE_TOKEN } from './helpers.js';

// Each case wraps the Worker's R2 binding through the test-only hook of src/worker/storage.ts.
function inject(plan: FaultPlan): FaultPlan {
  plan.calls ??= [];
  setStorageFaultsForTest((bucket) => faultyBucket(bucket, plan));
  return plan;
}

afterEach(() => setStorageFaultsForTest(undefined));

async function keys(prefix: string): Promise<string[]> {
  return (await env.STATS.list({ prefix })).objects.map((o) => o.key).sort();
}

// Storage lives as long as the file, so each case compares the keys after with the keys before.
let before: string[] = [];
beforeEach(async () => {
  before = await keys('');
});
const added = async (prefix = ''): Promise<string[]> => (await keys(prefix)).filter((k) => !before.includes(k));

async function expectUnavailable(res: Response, operation: string): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  const body = await errorOf(res);
  expect(body.error.code).toBe('storage_unavailable');
  expect(body.error.details?.operation).toBe(operation);
  expect(body.requestId).toBeTruthy();
}

async function expectClean(): Promise<void> {
  expect((await auditBucket(env.STATS)).problems).toEqual([]);
}

const mix = (id: string, lambda = 1) => postJson('/v1/mixtures', { stats: id, method: 'madmix', params: { lambda } }, bearer(WRITE_TOKEN));

describe('faults: writes', () => {
  it('upload: failed put is 503 and stores nothing', async () => {
    inject({ fail: { put: true } });
    await expectUnavailable(await postJson('/v1/stats', tinyStats(), bearer(WRITE_TOKEN)), 'put');
    expect(await added()).toEqual([]);
  });

  it('upload: failed head before the put is 503 and stores nothing', async () => {
    const plan = inject({ fail: { head: true } });
    await expectUnavailable(await postJson('/v1/stats', tinyStats(), bearer(WRITE_TOKEN)), 'head');
    expect(plan.calls?.some((c) => c.startsWith('put'))).toBe(false);
    expect(await added()).toEqual([]);
  });

  it('upload: lost put reply retries cleanly', async () => {
    inject({ putCommitsThenFails: true });
    await expectUnavailable(await postJson('/v1/stats', tinyStats(), bearer(WRITE_TOKEN)), 'put');
    setStorageFaultsForTest(undefined);
    // The object is whole (R2 puts are atomic), so the retry finds it stored.
    const retry = await postJson('/v1/stats', tinyStats(), bearer(WRITE_TOKEN));
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { created: boolean }).created).toBe(false);
    await expectClean();
  });

  it('mixture: failed result put is 503, no result stored, retry computes it', async () => {
    const { id } = await upload(tinyStats(4));
    inject({ fail: { put: (key) => key.startsWith('results/') } });
    await expectUnavailable(await mix(id), 'put');
    expect(await added('results/')).toEqual([]);
    setStorageFaultsForTest(undefined);
    expect((await mix(id)).status).toBe(201);
    await expectClean();
  });

  it('merge: failed put is 503, inputs intact, no merged set', async () => {
    const a = await upload(tinyStats(2, 11));
    const b = await upload(tinyStats(2, 11));
    const c = await upload(tinyStats(2, 15));
    expect(a.id).toBe(b.id);
    inject({ fail: { put: true } });
    await expectUnavailable(await postJson('/v1/stats/merge', { ids: [a.id, c.id] }, bearer(WRITE_TOKEN)), 'put');
    expect(await added('stats/')).toEqual([`stats/${a.id}.safetensors`, `stats/${c.id}.safetensors`].sort());
    await expectClean();
  });

  it('delete: failed delete is 503 and the set stays readable', async () => {
    const { id } = await upload(tinyStats());
    inject({ fail: { delete: true } });
    await expectUnavailable(await fetchApi(`/v1/stats/${id}`, { method: 'DELETE', headers: bearer(WRITE_TOKEN) }), 'delete');
    setStorageFaultsForTest(undefined);
    expect((await fetchApi(`/v1/stats/${id}`, { headers: bearer(READ_TOKEN) })).status).toBe(200);
  });
});

describe('faults: job shard uploads', () => {
  it('job shard: failed part write registers nothing', async () => {
    const plan = { name: 'faults', domains: [{ name: 'd1-0' }, { name: 'd1-1' }], modalities: [{ name: 'image' }, { name: 'text' }], shards: 1 };
    const job = (await (await postJson('/v1/jobs', plan, bearer(WRITE_TOKEN))).json()) as { id: string; uploadToken: string };
    const part = JSON.stringify(tinyStats(2));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(part)));
    const sha = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    const put = () =>
      fetchApi(`/v1/jobs/${job.id}/shards/0`, { method: 'PUT', headers: bearer(job.uploadToken, { 'content-type': 'application/json', 'x-content-sha256': sha }), body: part });
    inject({ fail: { put: true } });
    await expectUnavailable(await put(), 'put');
    expect(await added('jobs/')).toEqual([]);
    const state = (await (await fetchApi(`/v1/jobs/${job.id}`, { headers: bearer(READ_TOKEN) })).json()) as { status: string };
    expect(state.status).toBe('pending');
    setStorageFaultsForTest(undefined);
    expect((await put()).status).toBe(201);
    await expectClean();
  });
});

describe('faults: reads and lists', () => {
  it('mixture: failed stats read is 503 and stores no result', async () => {
    const { id } = await upload(tinyStats(3, 7));
    inject({ fail: { get: (k) => k.startsWith('stats/'), head: (k) => k.startsWith('stats/') } });
    await expectUnavailable(await mix(id, 2), 'head');
    expect(await added('results/')).toEqual([]);
  });

  it('result, export and share page: failed get is 503 with a code', async () => {
    const { id } = await upload(tinyStats());
    const stored = (await (await mix(id)).json()) as { id: string };
    inject({ fail: { get: true } });
    await expectUnavailable(await fetchApi(`/v1/mixtures/${stored.id}`), 'get');
    await expectUnavailable(await fetchApi(`/v1/mixtures/${stored.id}/export/json`), 'get');
    await expectUnavailable(await fetchApi(`/m/${stored.id}`), 'get');
    await expectUnavailable(await fetchApi(`/v1/stats/${id}/download`, { headers: bearer(READ_TOKEN) }), 'get');
  });

  it('list: failure is 503 without a cursor, 422 naming the cursor with one', async () => {
    await upload(tinyStats());
    inject({ fail: { list: true } });
    await expectUnavailable(await fetchApi('/v1/stats', { headers: bearer(READ_TOKEN) }), 'list');
    const withCursor = await fetchApi('/v1/stats?cursor=abc', { headers: bearer(READ_TOKEN) });
    expect(withCursor.status).toBe(422);
    expect((await errorOf(withCursor)).error.details?.field).toBe('cursor');
  });

  it('landing page: failed list still responds', async () => {
    inject({ fail: { list: true, get: true } });
    const res = await fetchApi('/');
    expect([200, 503]).toContain(res.status);
    if (res.status === 503) expect((await errorOf(res)).error.code).toBe('storage_unavailable');
  });
});

describe('faults: slow storage', () => {
  it('slow R2: 150 ms per call still works', async () => {
    const plan = inject({ delayMs: { head: 150, get: 150, put: 150, list: 150, delete: 150 } });
    const started = Date.now();
    const up = await postJson('/v1/stats', tinyStats(4, 3), bearer(WRITE_TOKEN));
    expect(up.status).toBe(201);
    const { id } = (await up.json()) as { id: string };
    const first = await mix(id, 3);
    expect(first.status).toBe(201);
    const again = await mix(id, 3);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-madmix-cache')).toBe('hit');
    const stored = (await first.json()) as { id: string; results: { weights: Record<string, number> }[] };
    const read = (await (await fetchApi(`/v1/mixtures/${stored.id}`)).json()) as typeof stored;
    expect(read.results[0].weights).toEqual(stored.results[0].weights);
    expect((await fetchApi('/v1/stats', { headers: bearer(READ_TOKEN) })).status).toBe(200);
    expect(plan.calls!.length).toBeGreaterThan(6);
    // Bounded: the calls add up to about 150 ms each, with no retries or hangs.
    expect(Date.now() - started).toBeLessThan(150 * plan.calls!.length + 10_000);
    setStorageFaultsForTest(undefined);
    await expectClean();
  });
});

describe('faults: cut-off uploads', () => {
  it('upload: a body stream that errors midway is 400 and stores nothing', async () => {
    const text = JSON.stringify(tinyStats(50));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text.slice(0, 200)));
        controller.error(new Error('connection reset'));
      },
    });
    const res = await fetchApi('/v1/stats', { method: 'POST', headers: bearer(WRITE_TOKEN, { 'content-type': 'application/json' }), body, duplex: 'half' } as RequestInit);
    // workerd hands the Worker the bytes that arrived and ends the body, so the parser reports the cut; a reader error would be incomplete_body.
    expect(res.status).toBe(400);
    expect(['incomplete_body', 'invalid_json']).toContain((await errorOf(res)).error.code);
    expect(await added()).toEqual([]);
  });

  it('upload: a truncated JSON or safetensors body is 4xx and stores nothing', async () => {
    const text = JSON.stringify(tinyStats(6));
    const json = await postJson('/v1/stats', text.slice(0, Math.floor(text.length / 2)), bearer(WRITE_TOKEN));
    expect(json.status).toBe(400);
    const { id } = await upload(tinyStats(6));
    const full = new Uint8Array(await (await fetchApi(`/v1/stats/${id}/download`, { headers: bearer(READ_TOKEN) })).arrayBuffer());
    await fetchApi(`/v1/stats/${id}`, { method: 'DELETE', headers: bearer(WRITE_TOKEN) });
    for (const cut of [7, 8, 20, full.length - 1, full.length - 8]) {
      const res = await fetchApi('/v1/stats', {
        method: 'POST',
        headers: bearer(WRITE_TOKEN, { 'content-type': 'application/x-safetensors' }),
        body: full.slice(0, cut),
      });
      expect(res.status, `cut at ${cut}`).toBe(422);
    }
    expect(await added()).toEqual([]);
  });
});
