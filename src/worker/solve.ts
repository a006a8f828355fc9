import type { Context } from 'hono';
import { MadmixError } from '../core/errors.js';
import { computeMixture, regularizationPath, resolveParams } from '../core/mix.js';
import type { MethodName, MixtureRequest, MixtureResult, RegularizationPath } from '../core/methods/types.js';
import { hashStats, parseStatsJson, summarizeStats, validateStats } from '../core/stats/index.js';
import type { StatsSet } from '../core/stats/types.js';
import { SOLVER_VERSION } from '../core/version.js';
import { workerBackend } from './backend.js';
import type { AppEnv } from './env.js';
import { checkProblemSize } from './limits.js';
import { resultId } from './result-id.js';
import { getResultText, loadStats, putResult } from './store.js';
import type { StoredResult } from './types.js';

/**
 * The regularization path is that of multi-modal MaD-Mix, so only a `madmix`
 * result carries it: `avg` and `modality` weights do not lie on that curve.
 */
const PATH_METHOD = 'madmix';

interface ResolvedStats {
  set: StatsSet;
  inputHash: string;
  stored: boolean;
}

/** Loads a stored set by id or parses and validates an inline one, then checks it fits a Worker solve. */
export async function resolveStats(c: Context<AppEnv>, stats: string | Record<string, unknown>): Promise<ResolvedStats> {
  let resolved: ResolvedStats;
  if (typeof stats === 'string') {
    resolved = { set: await loadStats(c.env, stats), inputHash: stats, stored: true };
    // Stored shards may hold one domain; a mixture needs two.
    validateDomainCount(resolved.set);
  } else {
    const set = parseStatsJson(JSON.stringify(stats));
    validateStats(set);
    resolved = { set, inputHash: await hashStats(set), stored: false };
  }
  checkProblemSize(resolved.set);
  return resolved;
}

function validateDomainCount(set: StatsSet): void {
  if (set.domains.length < 2) {
    const count = set.domains.length === 1 ? '1 domain' : `${set.domains.length} domains`;
    throw new MadmixError('invalid_stats', `The set has ${count}, but a mixture needs at least 2; merge it with another set first.`, {
      domains: set.domains.length,
    });
  }
}

/** A request whose parameters were validated and filled in by `resolveParams`. */
export interface ResolvedRun {
  request: MixtureRequest;
  params: Record<string, unknown>;
}

export function resolveRuns(set: StatsSet, requests: { method: string; params?: Record<string, unknown> }[]): ResolvedRun[] {
  return requests.map((r) => {
    const request = { method: r.method as MethodName, params: r.params };
    return { request, params: resolveParams(request, set) };
  });
}

/** Returns the id of a mixture (one run) or a comparison (several), from the canonical request. */
export function idFor(kind: StoredResult['kind'], inputHash: string, runs: ResolvedRun[]): Promise<string> {
  if (kind === 'mixture') {
    const [run] = runs;
    return resultId({ inputHash, method: run.request.method, params: run.params, solverVersion: SOLVER_VERSION });
  }
  const list = runs.map((r) => ({ method: r.request.method, params: r.params }));
  return resultId({ inputHash, kind, runs: list, solverVersion: SOLVER_VERSION });
}

async function pathFor(set: StatsSet, first: MixtureResult): Promise<RegularizationPath | undefined> {
  if (first.method !== PATH_METHOD) return undefined;
  const { temperature, normalize } = first.params;
  return regularizationPath(set, { temperature, normalize }, { backend: await workerBackend() });
}

/** Sends a stored result with its share URL: 200 `hit` when it was stored before this request, else 201 `miss`. */
function sendStored(c: Context<AppEnv>, text: string, cache: 'hit' | 'miss'): Response {
  const stored = JSON.parse(text) as StoredResult;
  const url = new URL(`/m/${stored.id}`, c.req.url).href;
  return c.json({ ...stored, url }, cache === 'hit' ? 200 : 201, {
    'x-madmix-cache': cache,
    location: `/v1/mixtures/${stored.id}`,
  });
}

/**
 * Returns the stored result of `runs` on the set, computing and storing it
 * first when it is not stored yet. Results are immutable, so a stored one is
 * returned as is.
 */
export async function solveAndStore(
  c: Context<AppEnv>,
  kind: StoredResult['kind'],
  stats: ResolvedStats,
  runs: ResolvedRun[],
): Promise<Response> {
  const id = await idFor(kind, stats.inputHash, runs);
  const cached = await getResultText(c.env, id);
  if (cached !== null) return sendStored(c, cached, 'hit');

  const backend = await workerBackend();
  const results: MixtureResult[] = [];
  for (const run of runs) {
    results.push(await computeMixture(stats.set, run.request, { backend, inputHash: stats.inputHash }));
  }
  const stored: StoredResult = {
    id,
    kind,
    createdAt: new Date().toISOString(),
    statsId: stats.inputHash,
    statsStored: stats.stored,
    summary: stats.set.meta ? { ...summarizeStats(stats.set), meta: stats.set.meta } : summarizeStats(stats.set),
    results,
    path: await pathFor(stats.set, results[0]),
  };
  const text = await putResult(c.env, stored);
  return sendStored(c, text, 'miss');
}
