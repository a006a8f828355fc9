import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Env as AppEnv } from '../../src/worker/types.js';
import { KEY_SCHEME } from '../helpers/fuzz/audit.js';
import { ROWS, TOKEN_KINDS, type SecurityFixtures, type TokenKind } from '../helpers/fuzz/security-table.js';
import { validStatsJson } from '../helpers/fuzz/stats-mutations.js';
import { bearer, errorOf, fetchApi, postJson, READ_TOKEN, upload, WRITE_TOKEN } from './helpers.js';

const logs: string[] = [];
const tokens: Partial<Record<TokenKind, string>> = { wrong: 'not-a-real-token-1234', read: READ_TOKEN, write: WRITE_TOKEN };
let fixtures: SecurityFixtures;
let seed = 100;

async function createJob(ttlHours = 24): Promise<{ id: string; uploadToken: string }> {
  const plan = { name: 'sec', domains: [{ name: 'dom-9-0' }, { name: 'dom-9-1' }], modalities: [{ name: 'image' }, { name: 'text' }], shards: 1, tokenTtlHours: ttlHours };
  const res = await postJson('/v1/jobs', plan, bearer(WRITE_TOKEN));
  expect(res.status).toBe(201);
  return res.json();
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

beforeAll(async () => {
  for (const level of ['log', 'warn', 'error', 'info'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  }
  const { id: statsId } = await upload(validStatsJson(3, 1));
  const mixed = await postJson('/v1/mixtures', { stats: statsId }, bearer(WRITE_TOKEN));
  const [own, other, expired] = [await createJob(), await createJob(), await createJob(1)];
  const { JOBS } = env as unknown as AppEnv;
  await JOBS.get(JOBS.idFromName(expired.id)).advanceClockForTest(3_600_001);
  Object.assign(tokens, { ownJob: own.uploadToken, otherJob: other.uploadToken, expiredJob: expired.uploadToken });
  const part = JSON.stringify(validStatsJson(2, 9));
  fixtures = {
    statsId,
    resultId: ((await mixed.json()) as { id: string }).id,
    jobId: own.id,
    expiredJobId: expired.id,
    freshStats: async () => (await upload(validStatsJson(2, seed++))).id,
    part,
    partSha: await sha256(part),
  };
});

afterAll(() => vi.restoreAllMocks());

const table: string[] = [];

describe('security: route x token', () => {
  for (const row of ROWS) {
    it(`security: ${row.route} per token`, async () => {
      const statuses: number[] = [];
      for (const kind of TOKEN_KINDS) {
        const cell = await row.build(fixtures, kind);
        const token = tokens[kind];
        // Each anonymous cell comes from its own address, so the rate limit stays out of this table.
        const who: Record<string, string> = token ? { authorization: `Bearer ${token}` } : { 'cf-connecting-ip': `192.0.2.${statuses.length + 10 * ROWS.indexOf(row) % 250}` };
        const res = await fetchApi(cell.path, { method: cell.method, headers: { ...who, ...cell.headers }, body: cell.body });
        statuses.push(res.status);
        const text = await res.text();
        expect(row.expect[kind], `${row.route} with ${kind}: ${text.slice(0, 200)}`).toContain(res.status);
        if (res.status >= 400) expect(JSON.parse(text).error.code).toBeTruthy();
      }
      table.push(`| ${row.route} | ${statuses.join(' | ')} |`);
    });
  }

});

describe('security: limits, keys, CORS, logs', () => {
  it('rate limit: 31st anonymous request is 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await postJson('/v1/mixtures', { stats: fixtures.statsId }, { 'cf-connecting-ip': '198.51.100.7' });
      statuses.push(res.status);
      if (i === 30) {
        expect(res.headers.get('retry-after')).toBe('60');
        expect((await errorOf(res)).error.code).toBe('rate_limited');
      } else await res.body?.cancel();
    }
    expect(statuses.slice(0, 30).every((s) => s === 200 || s === 201)).toBe(true);
    expect(statuses[30]).toBe(429);
    // A token skips the limit.
    expect((await postJson('/v1/mixtures', { stats: fixtures.statsId }, bearer(READ_TOKEN, { 'cf-connecting-ip': '198.51.100.7' }))).status).toBe(200);
  });

  it('size limits: 413 stating the limit on each body limit', async () => {
    const cases: [string, number, string, Record<string, string>][] = [
      ['/v1/stats', 16 * 1024 * 1024 + 1, '16 MiB', { 'content-type': 'application/octet-stream' }],
      ['/v1/mixtures', 2 * 1024 * 1024 + 1, '2 MiB', { 'content-type': 'application/json' }],
      ['/v1/compare', 2 * 1024 * 1024 + 1, '2 MiB', { 'content-type': 'application/json' }],
      ['/v1/stats/merge', 64 * 1024 + 1, '64 KiB', { 'content-type': 'application/json' }],
      ['/v1/jobs', 64 * 1024 + 1, '64 KiB', { 'content-type': 'application/json' }],
    ];
    for (const [path, bytes, limit, headers] of cases) {
      const res = await fetchApi(path, { method: 'POST', headers: bearer(WRITE_TOKEN, headers), body: new Uint8Array(bytes).fill(32) });
      expect(res.status, path).toBe(413);
      const body = await errorOf(res);
      expect(body.error.message, path).toContain(limit);
      expect(body.error.details?.limitBytes, path).toBe(bytes - 1);
    }
  });

  it('R2 keys: ids are validated as hex and hostile names never become keys', async () => {
    for (const id of ['..%2f..%2fresults%2fx', '%2e%2e', 'A'.repeat(64), 'a'.repeat(63) + 'g', 'a'.repeat(64) + '%00']) {
      for (const path of [`/v1/stats/${id}`, `/v1/stats/${id}/download`, `/v1/mixtures/${id}`, `/m/${id}`, `/v1/jobs/${id}`]) {
        const res = await fetchApi(path, { headers: bearer(READ_TOKEN) });
        // URL parsing turns `x/%2e%2e` into the parent path, which then returns its own page.
        const normalized = new URL(`http://madmix.test${path}`).pathname !== path;
        expect(normalized ? [200, 404] : [404], path).toContain(res.status);
      }
    }
    const hostile = validStatsJson(2, 77);
    (hostile.domains as { name: string }[])[0].name = '../../results/evil';
    (hostile.domains as { name: string }[])[1].name = 'nul\u0000\u202e/../x';
    const res = await postJson('/v1/stats', hostile, bearer(WRITE_TOKEN));
    expect([201, 422]).toContain(res.status);
    const keys = (await env.STATS.list()).objects.map((o) => o.key);
    expect(keys.filter((k) => !KEY_SCHEME.some((re) => re.test(k)))).toEqual([]);
  });

  it('CORS: reads allow any origin; write preflights and writes get no allow-origin', async () => {
    const origin = { origin: 'https://elsewhere.example' };
    for (const path of ['/v1', `/v1/mixtures/${fixtures.resultId}`, `/m/${fixtures.resultId}`, '/openapi.json']) {
      for (const method of ['GET', 'HEAD']) {
        expect((await fetchApi(path, { method, headers: origin })).headers.get('access-control-allow-origin'), `${method} ${path}`).toBe('*');
      }
    }
    for (const method of ['POST', 'DELETE', 'PUT', 'PATCH']) {
      for (const path of ['/v1/mixtures', '/v1/stats', `/v1/stats/${fixtures.statsId}`, `/v1/jobs/${fixtures.jobId}/shards/0`]) {
        const pre = await fetchApi(path, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': method } });
        expect(pre.headers.get('access-control-allow-origin'), `preflight ${method} ${path}`).toBeNull();
        expect(pre.status, `preflight ${method} ${path}`).toBeGreaterThanOrEqual(400);
      }
    }
    const post = await postJson('/v1/mixtures', { stats: fixtures.statsId }, bearer(WRITE_TOKEN, origin));
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetchApi('/v1', { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } });
    expect(read.status).toBe(204);
    expect(read.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
  });

  it('secrets: only hashes are configured, tokens are never stored, logged or echoed', async () => {
    const secrets = Object.values(tokens) as string[];
    const config = (env as unknown as AppEnv).TOKEN_HASHES ?? '';
    expect(config).toContain(await sha256(WRITE_TOKEN));
    for (const secret of secrets) expect(config).not.toContain(secret);
    const job = await (await fetchApi(`/v1/jobs/${fixtures.jobId}`, { headers: bearer(WRITE_TOKEN) })).text();
    expect(job).not.toContain(tokens.ownJob);
    for (const object of (await env.STATS.list()).objects) {
      const text = await (await env.STATS.get(object.key))!.text();
      for (const secret of secrets) expect(text, object.key).not.toContain(secret);
    }
    expect(logs.length).toBeGreaterThan(50);
    expect(logs.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  });

  it('logs: every warning and error line carries the request id', () => {
    const lines = logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; requestId?: string; status?: number; entry?: number });
    const errors = lines.filter((l) => (l.level === 'warn' || l.level === 'error') && l.entry === undefined);
    expect(errors.length).toBeGreaterThan(50);
    expect(errors.filter((l) => !l.requestId)).toEqual([]);
  });

  it('security: prints the table', () => {
    vi.restoreAllMocks();
    console.log(['| route | ' + TOKEN_KINDS.join(' | ') + ' |', ...table].join('\n'));
    expect(table).toHaveLength(ROWS.length);
  });
});
