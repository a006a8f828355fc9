import { env, exports } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditBucket } from '../helpers/fuzz/audit.js';
import { edgeRequests, fuzzRequest, type FuzzContext, type FuzzRequest } from '../helpers/fuzz/requests.js';
import { Rng } from '../helpers/fuzz/rng.js';
import { mergeTallies, runFuzz, type FuzzTally } from '../helpers/fuzz/run.js';
import { validStatsJson } from '../helpers/fuzz/stats-mutations.js';
import app from '../../src/worker/index.js';
import { bearer, fetchApi, ORIGIN, postJson, READ_TOKEN, upload, WRITE_TOKEN } from './helpers.js';

// 4 seeds x 2,600 requests = 10,400 hostile requests over every route. FUZZ_SEED picks another first seed.
const SEEDS = [1, 2, 3, 4].map((i) => i + Number(globalThis.process?.env?.FUZZ_SEED ?? 0) * 10);
const PER_SEED = 2_600;
const TIMEOUT_MS = 20_000;

/**
 * Requests go to the Hono app's fetch with the pool's real bindings (R2, the
 * job Durable Objects, the rate limiter). `exports.default.fetch` slows down
 * with every call in @cloudflare/vitest-pool-workers 0.15.1 (200 calls took
 * 5 s, then 9 s, then 31 s), so it carries only the first seed's first 300.
 */
const waits: Promise<unknown>[] = [];
const ctx0 = { waitUntil: (p: Promise<unknown>) => void waits.push(p), passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
let viaBinding = 300;
const send = (r: Request): Promise<Response> => (viaBinding-- > 0 ? exports.default.fetch(r) : Promise.resolve(app.fetch(r, env, ctx0)));

const logs: string[] = [];
const tallies: FuzzTally[] = [];
let ctx: FuzzContext;

async function createJob(): Promise<{ id: string; uploadToken: string }> {
  const plan = { name: 'fuzz', domains: [{ name: 'a' }, { name: 'b' }], modalities: [{ name: 'image' }], shards: 2 };
  const res = await postJson('/v1/jobs', plan, bearer(WRITE_TOKEN));
  expect(res.status).toBe(201);
  return res.json();
}

beforeAll(async () => {
  // The Worker logs every rejected request; keep the lines for the checks below instead of printing 10,000 of them.
  for (const level of ['log', 'warn', 'error', 'info'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  }
  const a = await upload(validStatsJson(3, 1));
  const b = await upload(validStatsJson(4, 2));
  const results: string[] = [];
  for (const lambda of [1, 10]) {
    const res = await postJson('/v1/mixtures', { stats: a.id, params: { lambda } }, bearer(WRITE_TOKEN));
    results.push(((await res.json()) as { id: string }).id);
  }
  const safetensors = new Uint8Array(await (await fetchApi(`/v1/stats/${a.id}/download`, { headers: bearer(READ_TOKEN) })).arrayBuffer());
  const [job, other] = [await createJob(), await createJob()];
  ctx = { statsIds: [a.id, b.id], resultIds: results, jobId: job.id, jobToken: job.uploadToken, otherJobToken: other.uploadToken, writeToken: WRITE_TOKEN, readToken: READ_TOKEN, safetensors };
});

afterAll(() => {
  vi.restoreAllMocks();
  const total = mergeTallies(tallies);
  console.log(JSON.stringify({ fuzz: { seeds: SEEDS, total: total.total, unsendable: total.unsendable, slowestMs: total.slowestMs, byStatus: total.byStatus, byKind: total.byKind } }));
});

function* generate(seed: number, count: number): Generator<FuzzRequest> {
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) yield fuzzRequest(rng, ctx);
}

describe('fuzz: hostile requests', () => {
  for (const seed of SEEDS) {
    it(`fuzz: seed ${seed}, no 5xx, no hang, clean R2`, { timeout: 180_000 }, async () => {
      const deleted = new Set<string>();
      const tally = await runFuzz(generate(seed, PER_SEED), send, {
        origin: ORIGIN,
        concurrency: 8,
        timeoutMs: TIMEOUT_MS,
        onOutcome: ({ request, status }) => {
          if (request.method === 'DELETE' && status === 204) deleted.add(request.path.split('/').pop() as string);
        },
      });
      tallies.push(tally);
      expect(tally.problems.slice(0, 20)).toEqual([]);
      expect(tally.total + tally.unsendable).toBe(PER_SEED);
      const audit = await auditBucket(env.STATS);
      const problems = audit.problems.filter((p) => ![...deleted].some((id) => p.includes(`missing stats ${id}`)));
      expect(problems).toEqual([]);
    });
  }

  it('fuzz: edge requests get no 5xx', async () => {
    const requests = edgeRequests(ctx);
    const tally = await runFuzz(requests, send, { origin: ORIGIN, concurrency: 2, timeoutMs: TIMEOUT_MS });
    tallies.push(tally);
    expect(tally.problems).toEqual([]);
    expect(tally.total).toBe(requests.length);
    expect((await auditBucket(env.STATS)).problems).toEqual([]);
  });

  it('fuzz: no token appears in any log line', () => {
    const secrets = [WRITE_TOKEN, READ_TOKEN, ctx.jobToken, ctx.otherJobToken];
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  });
});
