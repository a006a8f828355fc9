#!/usr/bin/env node
// Starts madmix locally: builds the WebAssembly kernels, runs `wrangler dev` on
// 127.0.0.1 with R2 data under .wrangler/state, seeds the example statistics
// and prints a write token and URLs to try. Ctrl-C stops wrangler.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = '127.0.0.1';
const port = Number(process.env.MADMIX_PORT ?? 8787);
const origin = `http://${host}:${port}`;
const tokenFile = join(root, '.wrangler', 'madmix-token');
const devVarsFile = join(root, '.dev.vars');
const exampleFile = join(root, 'data', 'debian-corpus.stats.json');
const READY_TIMEOUT_MS = 90_000;

const wranglerEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
};

function fail(message) {
  console.error(`madmix start: ${message}`);
  process.exit(1);
}

function buildWasm() {
  const result = spawnSync('npm', ['run', '--silent', 'build:wasm'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail(`npm run build:wasm failed with exit code ${result.status}`);
}

/** Returns the local write token, creating it on the first start (git-ignored under .wrangler/). */
function localToken() {
  if (existsSync(tokenFile)) return readFileSync(tokenFile, 'utf8').trim();
  mkdirSync(dirname(tokenFile), { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  return token;
}

/** Sets TOKEN_HASHES in .dev.vars to the token's sha256 with role write, keeping any other variables. */
function writeDevVars(token) {
  const hash = createHash('sha256').update(token).digest('hex');
  const otherVars = existsSync(devVarsFile)
    ? readFileSync(devVarsFile, 'utf8').split('\n').filter((line) => line && !line.startsWith('TOKEN_HASHES='))
    : [];
  writeFileSync(devVarsFile, [...otherVars, `TOKEN_HASHES=${hash}:write`].join('\n') + '\n', { mode: 0o600 });
}

function startWrangler() {
  const bin = join(root, 'node_modules', '.bin', 'wrangler');
  const args = ['dev', '--ip', host, '--port', String(port), '--persist-to', '.wrangler/state'];
  return spawn(bin, args, { cwd: root, env: wranglerEnv, stdio: ['ignore', 'inherit', 'inherit'] });
}

async function waitUntilReady(child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`wrangler dev exited with code ${child.exitCode} before answering`);
    try {
      const res = await fetch(`${origin}/v1`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  fail(`wrangler dev did not answer on ${origin} within ${READY_TIMEOUT_MS / 1000} s`);
}

async function request(path, token, body) {
  const res = await fetch(origin + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  const json = await res.json();
  if (!res.ok) fail(`POST ${path} failed with ${res.status}: ${json.error?.message ?? JSON.stringify(json)}`);
  return json;
}

async function seed(token) {
  const stats = await request('/v1/stats', token, readFileSync(exampleFile, 'utf8'));
  const mixture = await request('/v1/mixtures', token, JSON.stringify({ stats: stats.id, method: 'madmix' }));
  return { statsId: stats.id, shareUrl: mixture.url };
}

function printSummary(token, { statsId, shareUrl }) {
  console.log(`
madmix is running at ${origin}
  write token   ${token}   (stored in .wrangler/madmix-token)
  example set   ${statsId}   (data/debian-corpus.stats.json)
  share page    ${shareUrl}
  API index     ${origin}/v1      OpenAPI: ${origin}/openapi.json

Try:
  curl -s -X POST ${origin}/v1/mixtures -H 'content-type: application/json' \\
    -d '{"stats": "${statsId}", "method": "madmix", "params": {"lambda": 10}}'

Press Ctrl-C to stop.`);
}

async function main() {
  buildWasm();
  const token = localToken();
  writeDevVars(token);
  const child = startWrangler();
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0))));

  await waitUntilReady(child);
  printSummary(token, await seed(token));
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
