import { exports } from 'cloudflare:workers';
import fixture from '../fixtures/mixtures/image-text-5.json';

/** Tokens whose sha256 digests vitest.workers.config.ts puts in TOKEN_HASHES. */
export const WRITE_TOKEN = 'madmix-test-write-token';
export const READ_TOKEN = 'madmix-test-read-token';

export const ORIGIN = 'http://madmix.test';

interface FixtureDomain {
  name: string;
  embeddings: Record<string, number[]>;
  samples?: number;
}

/** Converts a centroids-form fixture into the stats JSON form, each centroid a sum of `count` equal embeddings. */
export function statsJsonFrom(
  source: { dim: number; modalities: string[]; domains: FixtureDomain[] },
  count = 1,
): Record<string, unknown> {
  return {
    format: 'madmix.stats',
    version: 1,
    modalities: Object.fromEntries(source.modalities.map((m) => [m, { dim: source.dim }])),
    domains: source.domains.map((d) => ({
      name: d.name,
      ...(d.samples !== undefined ? { samples: d.samples } : {}),
      stats: Object.fromEntries(
        Object.entries(d.embeddings).map(([m, v]) => [m, { count, sum: v.map((x) => x * count) }]),
      ),
    })),
    meta: { source: 'test' },
  };
}

export const imageText = fixture as unknown as { dim: number; modalities: string[]; domains: FixtureDomain[]; runs: { method: string; params: Record<string, unknown>; expected: { weights: number[] } }[] };

/** Builds a tiny two-modality set with `k` domains of dim 3, distinct per `seed`. */
export function tinyStats(k = 3, seed = 1): Record<string, unknown> {
  const domains = Array.from({ length: k }, (_, i) => ({
    name: `d${seed}-${i}`,
    samples: 100 * (i + 1),
    stats: {
      image: { count: 2, sum: [i + seed, 1, -i] },
      text: { count: 1, sum: [seed, i * 0.5, 2] },
    },
  }));
  return { format: 'madmix.stats', version: 1, modalities: { image: { dim: 3 }, text: { dim: 3 } }, domains };
}

export function fetchApi(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(ORIGIN + path, init));
}

export function bearer(token: string, headers: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...headers };
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetchApi(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Uploads a stats JSON body with the write token and returns the response body. */
export async function upload(stats: unknown): Promise<{ id: string; created: boolean; size: number }> {
  const res = await postJson('/v1/stats', stats, bearer(WRITE_TOKEN));
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
  requestId: string;
}

export async function errorOf(res: Response): Promise<ErrorJson> {
  return (await res.json()) as ErrorJson;
}
