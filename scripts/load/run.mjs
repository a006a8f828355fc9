#!/usr/bin/env node
// Load test of the Worker under `wrangler dev` on 127.0.0.1. It seeds a set and
// runs autocannon clients that compute distinct mixtures, read a cached result,
// open share pages and upload sets. They send a write token, so the rate limit
// does not apply. Then it checks that an anonymous client gets 429 past the
// limit, and prints a JSON report and a markdown table.
//
//   npm run load -- [--duration 30] [--connections 32] [--out FILE]
// It runs under tsx (from the repository root) to share the TypeScript dev-server launcher.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startDevServer } from '../lib/dev-server.ts';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const DURATION = Number(args.duration ?? 30);
const CONNECTIONS = Number(args.connections ?? 32);
const RATE_LIMIT = 30;

/** Builds a statistics set of `k` domains with image (dim 64) and text (dim 32) sums; `seed` makes it distinct. */
function statsSet(k, seed) {
  let state = seed >>> 0;
  const next = () => ((state = (state * 1664525 + 1013904223) >>> 0), state / 2 ** 32 - 0.5);
  const vector = (dim) => Array.from({ length: dim }, () => Math.round(next() * 1e6) / 1e6);
  return {
    format: 'madmix.stats',
    version: 1,
    modalities: { image: { dim: 64 }, text: { dim: 32 } },
    domains: Array.from({ length: k }, (_, i) => ({ name: `domain-${i}`, samples: 100 + i, stats: { image: { count: 1, sum: vector(64) }, text: { count: 1, sum: vector(32) } } })),
  };
}

async function post(base, path, body, token) {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Runs autocannon once per request kind, all at the same time, sharing `CONNECTIONS` connections. */
function loadRuns(base, token, seeded) {
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let lambda = 0;
  let upload = 1000;
  const each = Math.max(1, Math.floor(CONNECTIONS / 4));
  const common = { url: base, connections: each, duration: DURATION, timeout: 10 };
  const kinds = {
    compute: { method: 'POST', path: '/v1/mixtures', headers: auth, setupRequest: (req) => ({ ...req, body: JSON.stringify({ stats: seeded.statsId, params: { lambda: 0.5 + 1e-6 * lambda++ } }) }) },
    'cached read': { method: 'GET', path: `/v1/mixtures/${seeded.resultId}`, headers: auth },
    'share page': { method: 'GET', path: `/m/${seeded.resultId}`, headers: auth },
    upload: { method: 'POST', path: '/v1/stats', headers: auth, setupRequest: (req) => ({ ...req, body: JSON.stringify(statsSet(8, upload++)) }) },
  };
  return Promise.all(Object.entries(kinds).map(async ([kind, request]) => [kind, await autocannon({ ...common, requests: [request] })]));
}

/** Sends RATE_LIMIT + 5 anonymous compute requests one after another; the ones past the limit must be 429. */
async function rateLimitPhase(base, statsId) {
  const statuses = [];
  for (let i = 0; i < RATE_LIMIT + 5; i++) statuses.push((await post(base, '/v1/mixtures', { stats: statsId })).status);
  return statuses;
}

async function main() {
  if (!existsSync('wasm/build/kernels.wasm')) throw new Error('wasm/build/kernels.wasm is missing; run npm run build:wasm first.');
  const dir = mkdtempSync(join(tmpdir(), 'madmix-load-'));
  const server = await startDevServer(join(dir, 'state'));
  const { origin: base, token } = server;
  try {
    const seededSet = await post(base, '/v1/stats', statsSet(16, 1), token);
    if (seededSet.status !== 201 && seededSet.status !== 200) throw new Error(`seeding failed: ${JSON.stringify(seededSet)}`);
    const mixture = await post(base, '/v1/mixtures', { stats: seededSet.body.id }, token);
    const seeded = { statsId: seededSet.body.id, resultId: mixture.body.id };
    const runs = await loadRuns(base, token, seeded);
    const anonymous = await rateLimitPhase(base, seeded.statsId);
    const report = {
      machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
      command: `npm run load -- --duration ${DURATION} --connections ${CONNECTIONS}`,
      kinds: Object.fromEntries(runs.map(([kind, r]) => [kind, {
        requests: r.requests.total, perSecond: r.requests.average, p50ms: r.latency.p50, p99ms: r.latency.p99,
        non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
      }])),
      rateLimit: { limit: RATE_LIMIT, statuses: anonymous.join(',') },
    };
    const failures = Object.entries(report.kinds).filter(([, k]) => k.non2xx || k.errors || k.timeouts || !k.requests).map(([kind]) => kind);
    const firstOk = anonymous.slice(0, RATE_LIMIT).every((s) => s === 200 || s === 201);
    const limited = anonymous.slice(RATE_LIMIT).every((s) => s === 429);
    console.log(JSON.stringify(report, null, 2));
    console.log(['| kind | requests | req/s | p50 ms | p99 ms | non-2xx | errors | timeouts |', '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...Object.entries(report.kinds).map(([k, v]) => `| ${k} | ${v.requests} | ${v.perSecond.toFixed(1)} | ${v.p50ms} | ${v.p99ms} | ${v.non2xx} | ${v.errors} | ${v.timeouts} |`)].join('\n'));
    if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');
    if (failures.length) throw new Error(`non-2xx, errors or timeouts in: ${failures.join(', ')}`);
    if (!firstOk || !limited) throw new Error(`rate limit phase: expected ${RATE_LIMIT} successes then 429s, got ${anonymous.join(',')}`);
    console.log('load: passed');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`load: ${error.message}`);
  process.exitCode = 1;
});
