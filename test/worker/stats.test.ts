import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { hashStats, parseStatsJson, statsToSafetensors } from '../../src/core/stats/index';
import { MAX_UPLOAD_BODY_BYTES } from '../../src/worker/limits';
import { bearer, errorOf, fetchApi, imageText, postJson, READ_TOKEN, statsJsonFrom, tinyStats, upload, WRITE_TOKEN } from './helpers';

const write = bearer(WRITE_TOKEN);
const read = bearer(READ_TOKEN);

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

async function statsObjectCount(): Promise<number> {
  return (await env.STATS.list({ prefix: 'stats/' })).objects.length;
}

describe('POST /v1/stats', () => {
  it('json upload: 201, stored under the content hash', async () => {
    const body = statsJsonFrom(imageText, 4);
    const res = await postJson('/v1/stats', body, write);
    expect(res.status).toBe(201);
    const out = (await res.json()) as { id: string; hash: string; created: boolean; summary: { domainCount: number } };
    expect(out.id).toMatch(/^[0-9a-f]{64}$/);
    expect(out.hash).toBe(out.id);
    expect(out.created).toBe(true);
    expect(out.summary.domainCount).toBe(5);
    expect(out.id).toBe(await hashStats(parseStatsJson(JSON.stringify(body))));

    const object = await env.STATS.get(`stats/${out.id}.safetensors`);
    expect(object).not.toBeNull();
    expect(object!.customMetadata).toEqual({ domains: '5', modalities: 'image,text' });
    expect(object!.httpMetadata?.contentType).toBe('application/x-safetensors');
    const bytes = new Uint8Array(await object!.arrayBuffer());
    expect(bytes).toEqual(statsToSafetensors(parseStatsJson(JSON.stringify(body))));
  });

  it('re-upload: 200 with the same id, no new object', async () => {
    const body = tinyStats(3, 7);
    const first = await upload(body);
    const before = await statsObjectCount();
    const res = await postJson('/v1/stats', body, write);
    expect(res.status).toBe(200);
    const again = (await res.json()) as { id: string; created: boolean };
    expect(again.id).toBe(first.id);
    expect(again.created).toBe(false);
    expect(await statsObjectCount()).toBe(before);
  });

  it('safetensors upload: same id as the JSON form', async () => {
    const body = tinyStats(4, 3);
    const bytes = statsToSafetensors(parseStatsJson(JSON.stringify(body)));
    const res = await fetchApi('/v1/stats', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/x-safetensors' },
      body: bytes,
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect((await upload(body)).id).toBe(id);
  });

  it('octet-stream upload: accepted as safetensors', async () => {
    const bytes = statsToSafetensors(parseStatsJson(JSON.stringify(tinyStats(2, 11))));
    const res = await fetchApi('/v1/stats', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(201);
  });

  it('multipart upload: reads the file part', async () => {
    const form = new FormData();
    form.set('file', new File([JSON.stringify(tinyStats(3, 12))], 'set.stats.json', { type: 'application/json' }));
    const res = await fetchApi('/v1/stats', { method: 'POST', headers: write, body: form });
    expect(res.status).toBe(201);
  });

  it('multipart without file part: 422 naming file', async () => {
    const form = new FormData();
    form.set('other', 'x');
    const res = await fetchApi('/v1/stats', { method: 'POST', headers: write, body: form });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.message).toContain('"file"');
  });

  it('NaN in a safetensors body: 422, nothing stored', async () => {
    // statsToSafetensors rejects NaN, so write a marker value and overwrite its eight bytes with a NaN.
    const marker = 12345.6789;
    const set = parseStatsJson(JSON.stringify(tinyStats(3, 13)));
    set.domains[1].stats.image.sum[2] = marker;
    const bytes = statsToSafetensors(set);
    const markerBytes = new Uint8Array(new Float64Array([marker]).buffer);
    const nanBytes = new Uint8Array(new Float64Array([Number.NaN]).buffer);
    const at = findBytes(bytes, markerBytes);
    expect(at).toBeGreaterThan(0);
    bytes.set(nanBytes, at);
    const before = await statsObjectCount();
    const res = await fetchApi('/v1/stats', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/x-safetensors' },
      body: bytes,
    });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.code).toMatch(/^invalid_(stats|safetensors)$/);
    expect(await statsObjectCount()).toBe(before);
  });

  it('garbage safetensors: 422 invalid_safetensors', async () => {
    const res = await fetchApi('/v1/stats', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/x-safetensors' },
      body: new Uint8Array([1, 2, 3, 4]),
    });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.code).toBe('invalid_safetensors');
  });

  it('malformed JSON: 400 invalid_json', async () => {
    const res = await postJson('/v1/stats', '{"modalities": ', write);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).error.code).toBe('invalid_json');
  });

  it('invalid set: 422 invalid_stats', async () => {
    const res = await postJson('/v1/stats', { format: 'madmix.stats', version: 1, modalities: {}, domains: [] }, write);
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.code).toBe('invalid_stats');
  });

  it('wrong content type: 415', async () => {
    const res = await fetchApi('/v1/stats', { method: 'POST', headers: { ...write, 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).error.code).toBe('unsupported_media_type');
  });

  it('too large: 413 stating the limit', async () => {
    const res = await fetchApi('/v1/stats', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(MAX_UPLOAD_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    const body = await errorOf(res);
    expect(body.error.code).toBe('payload_too_large');
    expect(body.error.message).toContain('16 MiB');
  });
});

/** Builds an F32 safetensors statistics file of `k` domains with one modality of width `dim`. */
function f32Safetensors(k: number, dim: number): Uint8Array<ArrayBuffer> {
  const sumBytes = 4 * k * dim;
  const header = {
    __metadata__: { format: 'madmix.stats/1', domains: JSON.stringify(Array.from({ length: k }, (_, i) => `d${i}`)), modalities: '{"image":{}}' },
    'count.image': { dtype: 'I64', shape: [k], data_offsets: [0, 8 * k] },
    'sum.image': { dtype: 'F32', shape: [k, dim], data_offsets: [8 * k, 8 * k + sumBytes] },
  };
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((8 + text.length) % 8)) % 8);
  const bytes = new Uint8Array(8 + text.length + 8 * k + sumBytes);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(text.length), true);
  bytes.set(new TextEncoder().encode(text), 8);
  const data = 8 + text.length;
  for (let i = 0; i < k; i++) view.setBigInt64(data + 8 * i, 1n, true);
  const sums = new Float32Array(bytes.buffer, data + 8 * k, k * dim);
  for (let i = 0; i < sums.length; i++) sums[i] = ((i * 7919) % 1000) / 1000;
  return bytes;
}

describe('POST /v1/stats: media types and stored size', () => {
  it('application/safetensors and other application/*safetensors* types: accepted', async () => {
    const bytes = statsToSafetensors(parseStatsJson(JSON.stringify(tinyStats(3, 41))));
    for (const type of ['application/safetensors', 'application/vnd.safetensors']) {
      const res = await fetchApi('/v1/stats', { method: 'POST', headers: { ...write, 'content-type': type }, body: bytes });
      expect(res.status, type).toBeLessThan(300);
    }
  });

  it('upload: F32 set too large as F64 is 413', async () => {
    const before = await statsObjectCount();
    const bytes = f32Safetensors(512, 4096);
    expect(bytes.byteLength).toBeLessThan(MAX_UPLOAD_BODY_BYTES);
    const res = await fetchApi('/v1/stats', { method: 'POST', headers: { ...write, 'content-type': 'application/x-safetensors' }, body: bytes });
    expect(res.status).toBe(413);
    const body = await errorOf(res);
    expect(body.error.message).toContain(`limit of ${MAX_UPLOAD_BODY_BYTES} bytes`);
    expect(body.error.details?.storedBytes as number).toBeGreaterThan(MAX_UPLOAD_BODY_BYTES);
    expect(await statsObjectCount()).toBe(before);
  });
});

describe('reading stored sets', () => {
  it('list: pages with a cursor', async () => {
    for (let seed = 20; seed < 23; seed++) await upload(tinyStats(2, seed));
    const total = await statsObjectCount();
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const query = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await fetchApi('/v1/stats' + query, { headers: read });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { sets: { id: string; domains: number; modalities: string[] }[]; cursor?: string };
      expect(page.sets.length).toBeLessThanOrEqual(2);
      for (const entry of page.sets) {
        expect(entry.domains).toBeGreaterThan(0);
        expect(entry.modalities).toEqual(['image', 'text']);
        seen.add(entry.id);
      }
      cursor = page.cursor;
    } while (cursor);
    expect(seen.size).toBe(total);
  });

  it('list: bad limit is 422 naming limit', async () => {
    const res = await fetchApi('/v1/stats?limit=0', { headers: read });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.details?.field).toBe('limit');
  });

  it('get: summary and hash', async () => {
    const { id } = await upload(tinyStats(3, 30));
    const res = await fetchApi(`/v1/stats/${id}`, { headers: read });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hash: string; summary: { domainCount: number; domains: { name: string }[] } };
    expect(body.hash).toBe(id);
    expect(body.summary.domainCount).toBe(3);
    expect(JSON.stringify(body)).not.toContain('"sum"');
  });

  it('get: unknown id is 404', async () => {
    const res = await fetchApi(`/v1/stats/${'f'.repeat(64)}`, { headers: read });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).error.code).toBe('not_found');
  });

  it('get: malformed id is 404, never a key', async () => {
    for (const bad of ['abc', 'A'.repeat(64), '..%2F..%2Fresults%2Fx', 'g'.repeat(64)]) {
      const res = await fetchApi(`/v1/stats/${bad}`, { headers: read });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).error.code).toBe('not_found');
    }
  });

  it('download: safetensors bytes and JSON round-trip', async () => {
    const body = tinyStats(3, 31);
    const { id } = await upload(body);
    const st = await fetchApi(`/v1/stats/${id}/download`, { headers: read });
    expect(st.status).toBe(200);
    expect(st.headers.get('content-type')).toBe('application/x-safetensors');
    const bytes = new Uint8Array(await st.arrayBuffer());
    expect(bytes).toEqual(statsToSafetensors(parseStatsJson(JSON.stringify(body))));

    const js = await fetchApi(`/v1/stats/${id}/download?format=json`, { headers: read });
    expect(js.status).toBe(200);
    expect(await hashStats(parseStatsJson(await js.text()))).toBe(id);
  });

  it('download: unknown format is 422', async () => {
    const { id } = await upload(tinyStats(3, 31));
    const res = await fetchApi(`/v1/stats/${id}/download?format=xml`, { headers: read });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.details?.field).toBe('format');
  });
});

describe('merge and delete', () => {
  it('merge: counts and sums add exactly', async () => {
    const a = tinyStats(3, 40);
    const b = JSON.parse(JSON.stringify(a)) as { domains: { stats: { image: { count: number; sum: number[] } } }[] };
    b.domains.forEach((d, i) => {
      d.stats.image.count = 3;
      d.stats.image.sum = [0.1 * i, 0.2, 1e-300];
    });
    const idA = (await upload(a)).id;
    const idB = (await upload(b)).id;
    const res = await postJson('/v1/stats/merge', { ids: [idA, idB] }, write);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(await env.STATS.head(`stats/${id}.safetensors`)).not.toBeNull();

    const merged = parseStatsJson(await (await fetchApi(`/v1/stats/${id}/download?format=json`, { headers: read })).text());
    const setA = parseStatsJson(JSON.stringify(a));
    const setB = parseStatsJson(JSON.stringify(b));
    merged.domains.forEach((d, i) => {
      expect(d.stats.image.count).toBe(setA.domains[i].stats.image.count + setB.domains[i].stats.image.count);
      for (let j = 0; j < 3; j++) {
        // Exact: float64 addition of the two stored sums, no tolerance.
        expect(d.stats.image.sum[j]).toBe(setA.domains[i].stats.image.sum[j] + setB.domains[i].stats.image.sum[j]);
      }
      expect(d.stats.text.count).toBe(2);
    });
  });

  it('merge: same merge twice is 200 with the same id', async () => {
    const idA = (await upload(tinyStats(2, 41))).id;
    const idB = (await upload(tinyStats(2, 42))).id;
    const first = (await (await postJson('/v1/stats/merge', { ids: [idA, idB] }, write)).json()) as { id: string };
    const again = await postJson('/v1/stats/merge', { ids: [idA, idB] }, write);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
  });

  it('merge: unknown id is 404', async () => {
    const idA = (await upload(tinyStats(2, 43))).id;
    const res = await postJson('/v1/stats/merge', { ids: [idA, 'e'.repeat(64)] }, write);
    expect(res.status).toBe(404);
  });

  it('merge: one id is 422 naming ids', async () => {
    const res = await postJson('/v1/stats/merge', { ids: ['e'.repeat(64)] }, write);
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.details?.field).toBe('ids');
  });

  it('merge: malformed JSON is 400', async () => {
    const res = await postJson('/v1/stats/merge', '{"ids": [', write);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).error.code).toBe('invalid_json');
  });

  it('delete: removes the object, then 404', async () => {
    const { id } = await upload(tinyStats(2, 50));
    const res = await fetchApi(`/v1/stats/${id}`, { method: 'DELETE', headers: write });
    expect(res.status).toBe(204);
    expect(await env.STATS.head(`stats/${id}.safetensors`)).toBeNull();
    expect((await fetchApi(`/v1/stats/${id}`, { headers: read })).status).toBe(404);
    expect((await fetchApi(`/v1/stats/${id}`, { method: 'DELETE', headers: write })).status).toBe(404);
  });

  it('delete: a cached set stops serving mixtures', async () => {
    const { id } = await upload(tinyStats(3, 51));
    expect((await postJson('/v1/mixtures', { stats: id, method: 'uniform' }, write)).status).toBe(201);
    await fetchApi(`/v1/stats/${id}`, { method: 'DELETE', headers: write });
    const res = await postJson('/v1/mixtures', { stats: id, method: 'madmix' }, write);
    expect(res.status).toBe(404);
  });
});
