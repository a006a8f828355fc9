import { MadmixError } from '../core/errors.js';
import { parseSafetensors, statsToSafetensors } from '../core/stats/index.js';
import type { StatsSet } from '../core/stats/types.js';
import { STATS_CACHE_BYTES } from './limits.js';
import { resultKey, statsKey, type Env, type StoredResult } from './types.js';

/**
 * Parsed statistics sets of this isolate, newest last. A set's key is its
 * content hash, so a cached copy is never stale. Every use still checks that
 * the R2 object exists, so a deleted set stops working.
 */
const cache = new Map<string, { set: StatsSet; bytes: number }>();
let cachedBytes = 0;

function remember(id: string, set: StatsSet, bytes: number): void {
  if (bytes > STATS_CACHE_BYTES) return;
  forget(id);
  cache.set(id, { set, bytes });
  cachedBytes += bytes;
  for (const [oldest, entry] of cache) {
    if (cachedBytes <= STATS_CACHE_BYTES) break;
    cache.delete(oldest);
    cachedBytes -= entry.bytes;
  }
}

function forget(id: string): void {
  const entry = cache.get(id);
  if (!entry) return;
  cache.delete(id);
  cachedBytes -= entry.bytes;
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : (bytes as Uint8Array<ArrayBuffer>);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function statsNotFound(id: string): MadmixError {
  return new MadmixError('not_found', `No statistics set with id ${id}; upload it with POST /v1/stats.`, { id });
}

/** Loads and parses a stored set; `id` must already be validated as 64 hex characters. */
export async function loadStats(env: Env, id: string): Promise<StatsSet> {
  const cached = cache.get(id);
  if (cached) {
    if (!(await env.STATS.head(statsKey(id)))) {
      forget(id);
      throw statsNotFound(id);
    }
    return cached.set;
  }
  const object = await env.STATS.get(statsKey(id));
  if (!object) throw statsNotFound(id);
  const bytes = new Uint8Array(await object.arrayBuffer());
  const set = parseSafetensors(bytes);
  remember(id, set, bytes.byteLength);
  return set;
}

/** Returns the size in bytes of a stored set, or throws `not_found`. */
export async function statsSize(env: Env, id: string): Promise<number> {
  const head = await env.STATS.head(statsKey(id));
  if (!head) throw statsNotFound(id);
  return head.size;
}

/**
 * Stores `set` (already validated) under the sha256 of its canonical
 * safetensors bytes. Returns `created: false` when it was stored before; two
 * racing uploads of one set write identical bytes, so the race is harmless.
 */
export async function putStats(env: Env, set: StatsSet, maxBytes = Infinity): Promise<{ id: string; created: boolean; size: number }> {
  const bytes = statsToSafetensors(set);
  if (bytes.byteLength > maxBytes) throw storedTooLarge(bytes.byteLength, maxBytes);
  const id = await sha256Hex(bytes);
  const key = statsKey(id);
  if (await env.STATS.head(key)) return { id, created: false, size: bytes.byteLength };
  await env.STATS.put(key, bytes, {
    httpMetadata: { contentType: 'application/x-safetensors' },
    customMetadata: statsMetadata(set),
  });
  remember(id, set, bytes.byteLength);
  return { id, created: true, size: bytes.byteLength };
}

/**
 * Sets are stored as F64 safetensors, which can be twice the size of an F32
 * upload. A stored set above the upload limit could be downloaded but never
 * uploaded again, so such a set is rejected before it is stored.
 */
function storedTooLarge(size: number, limit: number): MadmixError {
  return new MadmixError(
    'payload_too_large',
    `The set is ${size} bytes once stored as canonical F64 safetensors, more than the limit of ${limit} bytes (the upload limit, so that every stored set can be downloaded and uploaded again); ` +
      'split the domains into smaller sets, or reduce the embedding width.',
    { storedBytes: size, limitBytes: limit },
  );
}

/** Listing metadata. R2 caps an object's metadata at 8,192 bytes, so the modality list is cut at 1,024 characters. */
function statsMetadata(set: StatsSet): Record<string, string> {
  const modalities = set.modalities.map((m) => m.name).join(',');
  return {
    domains: String(set.domains.length),
    modalities: modalities.length <= 1024 ? modalities : modalities.slice(0, 1024),
  };
}

export async function deleteStats(env: Env, id: string): Promise<void> {
  if (!(await env.STATS.head(statsKey(id)))) throw statsNotFound(id);
  await env.STATS.delete(statsKey(id));
  forget(id);
}

/** Returns the stored result JSON text, or null when there is none. */
export async function getResultText(env: Env, id: string): Promise<string | null> {
  const object = await env.STATS.get(resultKey(id));
  return object ? object.text() : null;
}

export async function getResult(env: Env, id: string): Promise<StoredResult> {
  const text = await getResultText(env, id);
  if (text === null) {
    throw new MadmixError('not_found', `No result with id ${id}; compute it with POST /v1/mixtures.`, { id });
  }
  return JSON.parse(text) as StoredResult;
}

/** Stores `stored` under its id and returns the JSON text written. */
export async function putResult(env: Env, stored: StoredResult): Promise<string> {
  const text = JSON.stringify(stored);
  await env.STATS.put(resultKey(stored.id), text, {
    httpMetadata: { contentType: 'application/json' },
    customMetadata: { kind: stored.kind, statsId: stored.statsId },
  });
  return text;
}
