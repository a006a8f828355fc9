import { describe, expect, it } from 'vitest';
import { errorOf, fetchApi, postJson } from './helpers';

describe('api basics', () => {
  it('index: lists routes, methods and limits', async () => {
    const res = await fetchApi('/v1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.openapi).toBe('/openapi.json');
    expect(body.methods).toContain('madmix');
    expect(body.exportFormats).toContain('megatron');
    expect((body.limits as Record<string, number>).inlineBodyBytes).toBe(2 * 1024 * 1024);
  });

  it('index: lists the job routes', async () => {
    const body = (await (await fetchApi('/v1')).json()) as { routes: string[] };
    for (const route of ['POST /v1/jobs', 'POST /v1/jobs/claim', 'GET /v1/jobs/{id}', 'PUT /v1/jobs/{id}/shards/{index}', 'POST /v1/jobs/{id}/complete']) {
      expect(body.routes).toContain(route);
    }
  });

  it('json body: a NaN literal is 400 invalid_json saying NaN is not JSON', async () => {
    const res = await fetchApi('/v1/mixtures', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stats": "x", "params": {"lambda": NaN}}' });
    expect(res.status).toBe(400);
    const { error } = await errorOf(res);
    expect(error.code).toBe('invalid_json');
    expect(error.message).toContain('not NaN: NaN and Infinity are not valid JSON');
    expect(error.message).toContain('line 1, column 37');
  });

  it('json body: a repeated key is 400 naming it', async () => {
    const body = '{"stats": "x", "method": "uniform",\n "method": "madmix"}';
    const res = await fetchApi('/v1/mixtures', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    const { error } = await errorOf(res);
    expect(error.code).toBe('invalid_json');
    expect(error.message).toContain('Request body has the key "method" twice in one object (again at line 2, column 2)');
  });

  it('openapi: documents every route from the zod schemas', async () => {
    const res = await fetchApi('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/stats',
        '/v1/stats/{id}',
        '/v1/stats/{id}/download',
        '/v1/stats/merge',
        '/v1/mixtures',
        '/v1/mixtures/{id}',
        '/v1/mixtures/{id}/export/{format}',
        '/v1/compare',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/stats/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(doc.components.schemas).toHaveProperty('MixtureRequest');
    expect(doc.components.schemas).toHaveProperty('Error');
  });

  it('request id: generated on every response', async () => {
    const res = await fetchApi('/v1');
    expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
  });

  it('request id: echoes a well-formed incoming id in errors', async () => {
    const res = await fetchApi('/nowhere', { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect((await errorOf(res)).requestId).toBe('trace-123');
  });

  it('unknown path: JSON 404 not_found', async () => {
    const res = await fetchApi('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await errorOf(res);
    expect(body.error.code).toBe('not_found');
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('wrong method: JSON 405 with Allow', async () => {
    const res = await fetchApi('/v1/mixtures', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
    expect((await errorOf(res)).error.code).toBe('method_not_allowed');
  });

  it('cors: reads allow any origin', async () => {
    const res = await fetchApi('/v1', { headers: { origin: 'https://elsewhere.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('cors: errors of reads carry the header too', async () => {
    const res = await fetchApi('/v1/mixtures/' + '0'.repeat(32), { headers: { origin: 'https://elsewhere.example' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('cors: writes get no CORS headers', async () => {
    const res = await postJson('/v1/mixtures', {}, { origin: 'https://elsewhere.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('cors: preflight answered for GET only', async () => {
    const get = await fetchApi('/v1/stats', {
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'GET' },
    });
    expect(get.status).toBe(204);
    expect(get.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    const post = await fetchApi('/v1/mixtures', {
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });
});
