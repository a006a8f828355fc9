import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bearer, errorOf, fetchApi, postJson, READ_TOKEN, tinyStats, WRITE_TOKEN } from './helpers';

describe('auth', () => {
  it('missing token: 401 unauthorized', async () => {
    const res = await fetchApi('/v1/stats');
    expect(res.status).toBe(401);
    expect((await errorOf(res)).error.code).toBe('unauthorized');
  });

  it('malformed header: 401 unauthorized', async () => {
    const res = await fetchApi('/v1/stats', { headers: { authorization: 'Basic abc' } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).error.message).toContain('Malformed');
  });

  it('unknown token: 401 unauthorized', async () => {
    const res = await fetchApi('/v1/stats', { headers: bearer('not-a-token') });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).error.message).toContain('Invalid bearer token');
  });

  it('read token: can list', async () => {
    const res = await fetchApi('/v1/stats', { headers: bearer(READ_TOKEN) });
    expect(res.status).toBe(200);
  });

  it('read token on a write: 403 forbidden, nothing stored', async () => {
    const res = await postJson('/v1/stats', tinyStats(), bearer(READ_TOKEN));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).error.code).toBe('forbidden');
    expect((await env.STATS.list({ prefix: 'stats/' })).objects).toHaveLength(0);
  });

  it('read token on delete: 403 forbidden', async () => {
    const res = await fetchApi('/v1/stats/' + 'a'.repeat(64), { method: 'DELETE', headers: bearer(READ_TOKEN) });
    expect(res.status).toBe(403);
  });

  it('write token: can upload', async () => {
    const res = await postJson('/v1/stats', tinyStats(), bearer(WRITE_TOKEN));
    expect(res.status).toBe(201);
  });

  it('token: never echoed in error bodies', async () => {
    const res = await fetchApi('/v1/stats', { headers: bearer('secret-looking-token-value') });
    expect(await res.text()).not.toContain('secret-looking-token-value');
  });
});
