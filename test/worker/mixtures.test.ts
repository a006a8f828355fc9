import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { estimateSolveBytes, MAX_DOMAINS, SOLVE_MEMORY_BUDGET_BYTES } from '../../src/worker/limits';
import { bearer, errorOf, fetchApi, imageText, postJson, statsJsonFrom, tinyStats, upload, WRITE_TOKEN } from './helpers';

interface Stored {
  id: string;
  kind: string;
  statsId: string;
  statsStored: boolean;
  url: string;
  results: { method: string; params: Record<string, unknown>; weights: Record<string, number>; diagnostics: { backend?: string } }[];
  path?: { lambdas: number[]; weights: Record<string, number[]> };
}

// Every test sends its own client address so the per-client rate limit of one test does not leak into another.
let client = 0;
function ip(): Record<string, string> {
  client += 1;
  return { 'cf-connecting-ip': `198.51.100.${client}` };
}

async function resultCount(): Promise<number> {
  return (await env.STATS.list({ prefix: 'results/' })).objects.length;
}

describe('POST /v1/mixtures', () => {
  it('inline set: 201 miss, fixture weights within 1e-9', async () => {
    const res = await postJson('/v1/mixtures', { stats: statsJsonFrom(imageText), method: 'madmix' }, ip());
    expect(res.status).toBe(201);
    expect(res.headers.get('x-madmix-cache')).toBe('miss');
    const body = (await res.json()) as Stored;
    expect(body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.kind).toBe('mixture');
    expect(body.statsStored).toBe(false);
    expect((body as unknown as { summary: { meta?: Record<string, string> } }).summary.meta).toEqual({ source: 'test' });
    expect(body.url).toBe(`http://madmix.test/m/${body.id}`);
    const expected = imageText.runs.find((r) => r.method === 'madmix' && Object.keys(r.params).length === 0)!.expected.weights;
    imageText.domains.forEach((d, i) => expect(Math.abs(body.results[0].weights[d.name] - expected[i])).toBeLessThan(1e-9));
    expect(body.results[0].diagnostics.backend).toBe('wasm');
    expect(body.path?.lambdas.length).toBeGreaterThan(1);

    const object = await env.STATS.get(`results/${body.id}.json`);
    expect(object).not.toBeNull();
    const stored = (await object!.json()) as Stored;
    expect(stored.id).toBe(body.id);
    expect(stored.results[0].weights).toEqual(body.results[0].weights);
  });

  it('second request: 200 hit, no new object', async () => {
    const request = { stats: tinyStats(4, 60), method: 'madmix', params: { lambda: 3 } };
    const first = await postJson('/v1/mixtures', request, ip());
    expect(first.status).toBe(201);
    const before = await resultCount();
    const second = await postJson('/v1/mixtures', request, ip());
    expect(second.status).toBe(200);
    expect(second.headers.get('x-madmix-cache')).toBe('hit');
    expect(((await second.json()) as Stored).id).toBe(((await first.json()) as Stored).id);
    expect(await resultCount()).toBe(before);
  });

  it('defaults spelled out: same result id', async () => {
    const stats = tinyStats(3, 61);
    const a = (await (await postJson('/v1/mixtures', { stats, method: 'madmix' }, ip())).json()) as Stored;
    const res = await postJson('/v1/mixtures', { stats, method: 'madmix', params: { lambda: 10, temperature: 1 } }, ip());
    expect(res.headers.get('x-madmix-cache')).toBe('hit');
    expect(((await res.json()) as Stored).id).toBe(a.id);
  });

  it('avg result: carries no MaD-Mix path', async () => {
    const res = await postJson('/v1/mixtures', { stats: statsJsonFrom(imageText), method: 'avg' }, ip());
    expect(res.status).toBe(201);
    const body = (await res.json()) as Stored;
    expect(body.results[0].method).toBe('avg');
    expect(body.path).toBeUndefined();
  });

  it('stored set: by id, statsStored true', async () => {
    const { id } = await upload(statsJsonFrom(imageText));
    const res = await postJson('/v1/mixtures', { stats: id, method: 'uniform' }, ip());
    expect(res.status).toBe(201);
    const body = (await res.json()) as Stored;
    expect(body.statsId).toBe(id);
    expect(body.statsStored).toBe(true);
    expect(body.path).toBeUndefined();
    for (const w of Object.values(body.results[0].weights)) expect(w).toBeCloseTo(0.2, 12);
  });

  it('unknown stats id: 404', async () => {
    const res = await postJson('/v1/mixtures', { stats: 'c'.repeat(64) }, ip());
    expect(res.status).toBe(404);
    expect((await errorOf(res)).error.code).toBe('not_found');
  });

  it('malformed stats id: 422 naming stats', async () => {
    const res = await postJson('/v1/mixtures', { stats: 'not-an-id' }, ip());
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.details?.field).toBe('stats');
  });

  it('unknown method: 422 unknown_method', async () => {
    const res = await postJson('/v1/mixtures', { stats: tinyStats(), method: 'magic' }, ip());
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.code).toBe('unknown_method');
  });

  it('bad parameter: 422 naming lambda', async () => {
    const res = await postJson('/v1/mixtures', { stats: tinyStats(), method: 'madmix', params: { lambda: -1 } }, ip());
    expect(res.status).toBe(422);
    const body = await errorOf(res);
    expect(body.error.code).toBe('invalid_parameter');
    expect(body.error.details?.field).toBe('lambda');
  });

  it('unknown parameter: 422 unknown_parameter', async () => {
    const res = await postJson('/v1/mixtures', { stats: tinyStats(), method: 'madmix', params: { lamda: 1 } }, ip());
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.code).toBe('unknown_parameter');
  });

  it('unknown body field: 422 unknown_parameter', async () => {
    const res = await postJson('/v1/mixtures', { stats: tinyStats(), method: 'madmix', lambda: 1 }, ip());
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.code).toBe('unknown_parameter');
  });

  it('missing stats: 422 naming stats', async () => {
    const res = await postJson('/v1/mixtures', { method: 'madmix' }, ip());
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.details?.field).toBe('stats');
  });

  it('invalid inline set: 422 invalid_stats', async () => {
    const res = await postJson('/v1/mixtures', { stats: { modalities: 'x', domains: 3 } }, ip());
    expect(res.status).toBe(422);
  });

  it('malformed JSON: 400 invalid_json', async () => {
    const res = await postJson('/v1/mixtures', '{"stats": [1,', ip());
    expect(res.status).toBe(400);
    expect((await errorOf(res)).error.code).toBe('invalid_json');
  });

  it('JSON array body: 400 invalid_json', async () => {
    const res = await postJson('/v1/mixtures', '[1, 2]', ip());
    expect(res.status).toBe(400);
  });

  it('wrong content type: 415', async () => {
    const res = await fetchApi('/v1/mixtures', { method: 'POST', headers: { 'content-type': 'text/plain', ...ip() }, body: '{}' });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).error.code).toBe('unsupported_media_type');
  });

  it('body over 2 MiB: 413 stating the limit', async () => {
    const big = JSON.stringify({ stats: { padding: 'x'.repeat(2 * 1024 * 1024) } });
    const res = await postJson('/v1/mixtures', big, ip());
    expect(res.status).toBe(413);
    const body = await errorOf(res);
    expect(body.error.code).toBe('payload_too_large');
    expect(body.error.message).toContain('2 MiB');
  });

  it('too many domains: 422 problem_too_large', async () => {
    const domains = Array.from({ length: MAX_DOMAINS + 1 }, (_, i) => ({ name: `d${i}`, embeddings: { text: [i % 7, 1] } }));
    const res = await postJson('/v1/mixtures', { stats: { modalities: ['text'], domains } }, ip());
    expect(res.status).toBe(422);
    const body = await errorOf(res);
    expect(body.error.code).toBe('problem_too_large');
    expect(body.error.message).toContain(String(MAX_DOMAINS));
  });

  it('memory estimate: largest documented problem fits, larger does not', () => {
    expect(estimateSolveBytes(64, 3 * 3584, 3)).toBeLessThan(SOLVE_MEMORY_BUDGET_BYTES);
    expect(estimateSolveBytes(512, 4096, 3)).toBeLessThan(SOLVE_MEMORY_BUDGET_BYTES);
    expect(estimateSolveBytes(512, 8192, 3)).toBeGreaterThan(SOLVE_MEMORY_BUDGET_BYTES);
  });

  it('rate limit: 429 with Retry-After after the limit', async () => {
    const client = { 'cf-connecting-ip': '203.0.113.9' };
    let res: Response | undefined;
    for (let i = 0; i < 40; i++) {
      res = await postJson('/v1/mixtures', {}, client);
      if (res.status === 429) break;
      expect(res.status).toBe(422);
    }
    expect(res!.status).toBe(429);
    expect(res!.headers.get('retry-after')).toBe('60');
    expect((await errorOf(res!)).error.code).toBe('rate_limited');
    const withToken = await postJson('/v1/mixtures', {}, { ...client, ...bearer(WRITE_TOKEN) });
    expect(withToken.status).toBe(422);
  });

  it('invalid token on a public route: 401', async () => {
    const res = await postJson('/v1/mixtures', { stats: tinyStats() }, bearer('wrong'));
    expect(res.status).toBe(401);
  });
});

describe('stored results', () => {
  it('GET /v1/mixtures/:id returns the stored result', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: tinyStats(3, 70) }, ip())).json()) as Stored;
    const res = await fetchApi(`/v1/mixtures/${created.id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Stored;
    expect(body.results[0].weights).toEqual(created.results[0].weights);
    expect(body.url).toBe(created.url);
  });

  it('share page: served at the returned url', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: tinyStats(3, 72) }, ip())).json()) as Stored;
    const res = await fetchApi(new URL(created.url).pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });

  it('HEAD of a stored result: 200 without body', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: tinyStats(3, 73) }, ip())).json()) as Stored;
    const res = await fetchApi(`/v1/mixtures/${created.id}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('corrupt stored result: plain 500, cause not leaked', async () => {
    const id = 'b'.repeat(32);
    await env.STATS.put(`results/${id}.json`, '{"id": broken');
    const res = await fetchApi(`/v1/mixtures/${id}`);
    expect(res.status).toBe(500);
    const body = await errorOf(res);
    expect(body.error.code).toBe('internal');
    expect(body.error.message).not.toMatch(/JSON|broken|Unexpected/);
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('GET unknown or malformed result id: 404', async () => {
    expect((await fetchApi(`/v1/mixtures/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await fetchApi('/v1/mixtures/xyz')).status).toBe(404);
  });

  it('export: csv attachment', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: statsJsonFrom(imageText) }, ip())).json()) as Stored;
    const res = await fetchApi(`/v1/mixtures/${created.id}/export/csv?budget=1000&unit=samples`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[\w.-]+"$/);
    expect(await res.text()).toContain('general');
  });

  it('export: every format renders', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: statsJsonFrom(imageText) }, ip())).json()) as Stored;
    for (const format of ['json', 'csv', 'megatron', 'energon', 'llava', 'hf', 'datajuicer']) {
      const res = await fetchApi(`/v1/mixtures/${created.id}/export/${format}?budget=100000`);
      expect(res.status, format).toBe(200);
    }
  });

  it('export: unknown format is 404, bad budget is 422', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: tinyStats(3, 71) }, ip())).json()) as Stored;
    expect((await fetchApi(`/v1/mixtures/${created.id}/export/xlsx`)).status).toBe(404);
    const res = await fetchApi(`/v1/mixtures/${created.id}/export/csv?budget=-5`);
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.details?.field).toBe('budget');
  });
});

describe('export query checks', () => {
  it('export: budget below 1 is 422', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: tinyStats(3, 72) }, ip())).json()) as Stored;
    const res = await fetchApi(`/v1/mixtures/${created.id}/export/csv?budget=0.5`);
    expect(res.status).toBe(422);
    const body = await errorOf(res);
    expect(body.error.details?.field).toBe('budget');
    expect(body.error.message).toContain('0.5');
    expect(body.error.message).toContain('at least 1 and at most');
  });

  it('export: repeated budget names the parameter', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: tinyStats(3, 73) }, ip())).json()) as Stored;
    const res = await fetchApi(`/v1/mixtures/${created.id}/export/csv?budget=10&budget=20`);
    expect(res.status).toBe(422);
    const body = await errorOf(res);
    expect(body.error.details?.field).toBe('budget');
    expect(body.error.message).toContain('repeated');
    expect(body.error.message).toContain('send it once');
    expect(body.error.message).not.toContain('received array');
  });

  it('export: weights match the API digits', async () => {
    const created = (await (await postJson('/v1/mixtures', { stats: statsJsonFrom(imageText) }, ip())).json()) as Stored & { results: { weights: Record<string, number> }[] };
    const weights = created.results[0].weights;
    const megatron = await (await fetchApi(`/v1/mixtures/${created.id}/export/megatron`)).text();
    for (const [name, weight] of Object.entries(weights)) {
      if (weight > 0) expect(megatron, name).toContain(`${String(weight)} `);
    }
  });
});

describe('POST /v1/compare', () => {
  it('compare: one stored result, runs in request order', async () => {
    const request = {
      stats: statsJsonFrom(imageText),
      methods: [{ method: 'madmix' }, { method: 'uniform' }, { method: 'proportional' }],
    };
    const res = await postJson('/v1/compare', request, ip());
    expect(res.status).toBe(201);
    const body = (await res.json()) as Stored;
    expect(body.kind).toBe('compare');
    expect(body.results.map((r) => r.method)).toEqual(['madmix', 'uniform', 'proportional']);
    expect(body.path).toBeDefined();
    expect(await env.STATS.head(`results/${body.id}.json`)).not.toBeNull();
    const again = await postJson('/v1/compare', request, ip());
    expect(again.headers.get('x-madmix-cache')).toBe('hit');
    const exported = await fetchApi(`/v1/mixtures/${body.id}/export/json?index=2`);
    expect(exported.status).toBe(200);
  });

  it('compare: one method is 422 naming methods', async () => {
    const res = await postJson('/v1/compare', { stats: tinyStats(), methods: [{ method: 'madmix' }] }, ip());
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.details?.field).toBe('methods');
  });

  it('compare: unknown method in the list is 422', async () => {
    const res = await postJson('/v1/compare', { stats: tinyStats(), methods: [{ method: 'madmix' }, { method: 'x' }] }, ip());
    expect(res.status).toBe(422);
    expect((await errorOf(res)).error.code).toBe('unknown_method');
  });
});

describe('export query parameters', () => {
  async function stored(): Promise<string> {
    return ((await (await postJson('/v1/mixtures', { stats: tinyStats(3, 73) }, ip())).json()) as Stored).id;
  }

  it('export: huge llava budget is 422', async () => {
    const id = await stored();
    for (const budget of ['1e12', '1e14', '1e300']) {
      const res = await fetchApi(`/v1/mixtures/${id}/export/llava?budget=${budget}`);
      expect(res.status, budget).toBe(422);
      expect((await errorOf(res)).error.details?.field).toBe('budget');
    }
  });

  it('export: budget=1e400 says the value is not finite and gives the range', async () => {
    const res = await fetchApi(`/v1/mixtures/${await stored()}/export/json?budget=1e400`);
    expect(res.status).toBe(422);
    const { message } = (await errorOf(res)).error;
    expect(message).toContain('budget "1e400"');
    expect(message).toContain('not finite');
    expect(message).toContain('at most 1000000000000000');
  });

  it('export: bad query value names field', async () => {
    const id = await stored();
    const cases: [string, RegExp][] = [
      ['budget=abc', /budget "abc": not a number; use a number of at least 1 and at most/],
      ['budget=-5', /budget -5: use a number of at least 1 and at most/],
      ['maxEpochs=x', /maxEpochs "x": not a number/],
      ['index=-1', /index -1: use an integer from 0 to 0/],
    ];
    for (const [query, pattern] of cases) {
      const res = await fetchApi(`/v1/mixtures/${id}/export/csv?${query}`);
      expect(res.status, query).toBe(422);
      const { message } = (await errorOf(res)).error;
      expect(message, query).toMatch(pattern);
      expect(message, query).not.toMatch(/expected number|Too small/);
    }
  });

  it('export: an unknown query parameter is 422 unknown_parameter listing the valid ones', async () => {
    const res = await fetchApi(`/v1/mixtures/${await stored()}/export/json?foo=1`);
    expect(res.status).toBe(422);
    const { error } = await errorOf(res);
    expect(error.code).toBe('unknown_parameter');
    expect(error.message).toContain('"foo"');
    expect(error.message).toContain('budget, unit, maxEpochs, index');
  });
});
