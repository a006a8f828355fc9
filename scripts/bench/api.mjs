#!/usr/bin/env node
// Load test of the API under `wrangler dev` on 127.0.0.1 with autocannon.
// Seeds a synthetic set of 64 domains x 3 modalities x 3584 dims, times the
// first (uncached) mixture alone, then loads the cached mixture, the stored
// result read, the set summary and the share page. Writes JSON to stdout.
//   npm run bench:api -- [--duration 10] [--connections 4]
// It runs under tsx (from the repository root) to share the TypeScript dev-server launcher.
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startDevServer } from '../lib/dev-server.ts';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DURATION_S = option('duration', 10);
const CONNECTIONS = option('connections', 4);
const DOMAINS = 64;
const MODALITIES = ['image', 'text', 'video'];
const DIM = 3584;
/** Origin of the `wrangler dev` server, set once it is ready. */
let origin = '';

/** Deterministic uniform numbers in [-1, 1) (mulberry32), so every run uploads the same set. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function syntheticStats() {
  const next = random(42);
  const domains = Array.from({ length: DOMAINS }, (_, i) => ({
    name: `domain-${String(i).padStart(2, '0')}`,
    samples: 1000 * (i + 1),
    stats: Object.fromEntries(
      MODALITIES.map((m) => [m, { count: 512, sum: Array.from({ length: DIM }, () => Number((next() * 512).toFixed(3))) }]),
    ),
  }));
  return {
    format: 'madmix.stats',
    version: 1,
    modalities: Object.fromEntries(MODALITIES.map((m) => [m, { dim: DIM }])),
    domains,
    meta: { note: 'synthetic benchmark set' },
  };
}

async function timed(path, init) {
  const start = performance.now();
  const res = await fetch(origin + path, init);
  const body = await res.json();
  const ms = performance.now() - start;
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, body, cache: res.headers.get('x-madmix-cache') };
}

async function load(name, path, init = {}) {
  const result = await autocannon({
    url: origin + path,
    method: init.method ?? 'GET',
    headers: init.headers,
    body: init.body,
    connections: CONNECTIONS,
    duration: DURATION_S,
  });
  return {
    name,
    path,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    rps: result.requests.average,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
  };
}

async function main() {
  const stateDir = mkdtempSync(join(os.tmpdir(), 'madmix-bench-'));
  const server = await startDevServer(stateDir);
  origin = server.origin;
  const token = server.token;
  try {
    const auth = { authorization: `Bearer ${token}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const statsText = JSON.stringify(syntheticStats());
    const upload = await timed('/v1/stats', { method: 'POST', headers: json, body: statsText });
    const statsId = upload.body.id;
    const mixtureBody = JSON.stringify({ stats: statsId, method: 'madmix' });
    const miss = await timed('/v1/mixtures', { method: 'POST', headers: json, body: mixtureBody });
    const hit = await timed('/v1/mixtures', { method: 'POST', headers: json, body: mixtureBody });
    const resultId = miss.body.id;

    const runs = [];
    runs.push(await load('mixture, cached (POST /v1/mixtures)', '/v1/mixtures', { method: 'POST', headers: json, body: mixtureBody }));
    runs.push(await load('stored result read (GET /v1/mixtures/:id)', `/v1/mixtures/${resultId}`));
    runs.push(await load('set summary (GET /v1/stats/:id)', `/v1/stats/${statsId}`, { headers: auth }));
    runs.push(await load('share page (GET /m/:id)', `/m/${resultId}`));

    const report = {
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      setup: { domains: DOMAINS, modalities: MODALITIES.length, dim: DIM, uploadJsonBytes: statsText.length, storedBytes: upload.body.size, connections: CONNECTIONS, durationS: DURATION_S },
      upload: { ms: upload.ms, status: upload.body.created ? 'created' : 'existed' },
      firstMixture: { ms: miss.ms, cache: miss.cache, backend: miss.body.results[0].diagnostics.backend, side: miss.body.results[0].diagnostics.side },
      secondMixture: { ms: hit.ms, cache: hit.cache },
      runs,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench api: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
