import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, errorOf, fetchApi, imageText, postJson, READ_TOKEN, statsJsonFrom, upload, WRITE_TOKEN } from './helpers.js';

/** One name with markup and quotes, to check escaping on the set page. */
const HOSTILE = 'charts & "graphs" <b>bold</b>';

/** Escapes the way hono/jsx does, to find text in the rendered page. */
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The image-text fixture as a stats set with sizes, datasets, encoder names and meta. */
function pageStats(): Record<string, unknown> {
  const stats = statsJsonFrom(imageText, 4) as { modalities: Record<string, Record<string, unknown>>; domains: Record<string, unknown>[]; meta: Record<string, string> };
  stats.modalities.image = { ...stats.modalities.image, model: 'mobilenetv2-12-float', layer: 'emb' };
  stats.domains[1].name = HOSTILE;
  stats.domains.forEach((d, i) => {
    d.samples = 1000 * (i + 1);
    d.tokens = 64_000 * (i + 1);
    d.datasets = [{ name: `dataset-${i}-a`, samples: 600 * (i + 1) }, { name: `dataset-${i}-b`, samples: 400 * (i + 1) }];
  });
  stats.meta = { corpus: 'set page test', seed: '7' };
  return stats;
}

const names = imageText.domains.map((d, i) => (i === 1 ? HOSTILE : d.name));

function postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetchApi(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/** Returns the result id that a 303 from the compute form points to. */
function sharedId(res: Response): string {
  expect(res.status).toBe(303);
  const location = res.headers.get('location') ?? '';
  expect(location).toMatch(/^\/m\/[0-9a-f]{32}$/);
  return location.slice(3);
}

let statsId = '';
const logs: string[] = [];

beforeAll(async () => {
  // The Worker logs each rejected form; keep the lines to check that no token is among them.
  for (const level of ['log', 'warn', 'error', 'info', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  }
  statsId = (await upload(pageStats())).id;
});

afterAll(() => {
  vi.restoreAllMocks();
});

describe('set page', () => {
  it('set page: renders identity and every domain', async () => {
    const res = await fetchApi(`/s/${statsId}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain(statsId);
    for (const name of names) expect(html).toContain(`<td>${escapeHtml(name)}</td>`);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('mobilenetv2-12-float');
    expect(html).toContain('<td>emb</td>');
    expect(html).toContain(`<td>${imageText.dim}</td>`);
    expect(html).toContain('set page test');
    expect(html).toContain('dataset-0-a (600)');
    expect(html).toContain('64,000');
  });

  it('set page: shows download commands, not links', async () => {
    const html = await (await fetchApi(`/s/${statsId}`)).text();
    expect(html).toContain(`/v1/stats/${statsId}/download?format=json`);
    expect(html).not.toMatch(/href="[^"]*\/download/);
    expect(html).toContain('role read');
  });

  for (const id of ['0'.repeat(64), 'xyz', 'AB'.repeat(32), 'ab'.repeat(31), `${'ab'.repeat(32)}00`, '%2e%2e%2fstats']) {
    it(`set page: 404 for ${id.slice(0, 12)}`, async () => {
      const res = await fetchApi(`/s/${id}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('no stored statistics set');
    });
  }

  it('set page: forms 404 for an unknown set', async () => {
    const compute = await postForm(`/s/${'0'.repeat(64)}/mixtures`, { method: 'madmix' });
    expect(compute.status).toBe(404);
    const job = await postForm(`/s/${'0'.repeat(64)}/jobs`, { token: WRITE_TOKEN, shards: '1' });
    expect(job.status).toBe(404);
  });
});

describe('compute form', () => {
  it('compute form: redirects to the API result', async () => {
    const id = sharedId(await postForm(`/s/${statsId}/mixtures`, { method: 'madmix', lambda: '3', temperature: '0.5', modality: '' }));
    const api = await postJson('/v1/mixtures', { stats: statsId, method: 'madmix', params: { lambda: 3, temperature: 0.5 } }, bearer(WRITE_TOKEN));
    const body = (await api.json()) as { id: string; results: { weights: Record<string, number> }[] };
    expect(api.status).toBe(200);
    expect(api.headers.get('x-madmix-cache')).toBe('hit');
    expect(body.id).toBe(id);
    const share = await fetchApi(`/m/${id}`);
    expect(share.status).toBe(200);
    expect(await share.text()).toContain(`href="/s/${statsId}"`);
  });

  it('compute form: empty fields take the API defaults', async () => {
    const api = await postJson('/v1/mixtures', { stats: statsId, method: 'uniform' }, bearer(WRITE_TOKEN));
    const { id } = (await api.json()) as { id: string };
    expect(sharedId(await postForm(`/s/${statsId}/mixtures`, { method: 'uniform', lambda: '', temperature: '', modality: '' }))).toBe(id);
  });

  it('compute form: set page links the stored mixture', async () => {
    const id = sharedId(await postForm(`/s/${statsId}/mixtures`, { method: 'madmix' }));
    expect(await (await fetchApi(`/s/${statsId}`)).text()).toContain(`href="/m/${id}"`);
  });

  it('compute form: lambda=-1 shows the API message', async () => {
    const api = await errorOf(await postJson('/v1/mixtures', { stats: statsId, method: 'madmix', params: { lambda: -1 } }, bearer(WRITE_TOKEN)));
    const res = await postForm(`/s/${statsId}/mixtures`, { method: 'madmix', lambda: '-1', temperature: '' });
    const html = await res.text();
    expect(res.status).toBe(422);
    expect(html).toContain(escapeHtml(api.error.message));
    expect(html).toContain('value="-1"');
    expect(html).toContain(`<td>${escapeHtml(names[0])}</td>`);
  });

  it('compute form: unknown method is 422', async () => {
    const res = await postForm(`/s/${statsId}/mixtures`, { method: 'nonsense' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Unknown method');
  });

  it('compute form: non-numeric lambda is 422', async () => {
    const res = await postForm(`/s/${statsId}/mixtures`, { method: 'madmix', lambda: 'ten' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('lambda');
  });

  it('compute form: JSON body is 415', async () => {
    const res = await postJson(`/s/${statsId}/mixtures`, { method: 'madmix' });
    expect(res.status).toBe(415);
    expect(await res.text()).toContain('application/x-www-form-urlencoded');
  });
});

describe('compute form limits', () => {
  it('compute form: shares the API rate limit', async () => {
    // Requests alternate between the form and the API from one client; each alone stays under the limit of 30 per minute.
    const client = { 'cf-connecting-ip': '203.0.113.77' };
    let res: Response | undefined;
    let sent = 0;
    while (sent < 40) {
      res = sent % 2 === 0 ? await postForm(`/s/${statsId}/mixtures`, { method: 'nonsense' }, client) : await postJson('/v1/mixtures', {}, client);
      sent++;
      if (res.status === 429) break;
      expect(res.status).toBe(422);
    }
    expect(sent).toBeLessThanOrEqual(31);
    const page = await postForm(`/s/${statsId}/mixtures`, { method: 'madmix' }, client);
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toBe('60');
    expect(await page.text()).toContain('Too many requests');
  });
});

describe('pages linking the set page', () => {
  it('landing: links the set page', async () => {
    expect(await (await fetchApi('/')).text()).toContain(`href="/s/${statsId}"`);
  });

  it('docs: lists the set page routes', async () => {
    const html = await (await fetchApi('/docs')).text();
    for (const route of ['GET /s/{id}', 'POST /s/{id}/mixtures', 'POST /s/{id}/jobs']) expect(html).toContain(`<code>${route}</code>`);
  });
});

describe('job form', () => {
  const fields = { shards: '2', samples: '8', seed: '3', folder: '/data/page corpus' };

  it('job form: 401 without a token', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, fields);
    const html = await res.text();
    expect(res.status).toBe(401);
    expect(html).toContain('Missing write token');
    expect(html).toContain('value="/data/page corpus"');
  });

  it('job form: 401 for an unknown token', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, { ...fields, token: 'not-a-token' });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Invalid token');
  });

  it('job form: 403 for a read token', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, { ...fields, token: READ_TOKEN });
    const html = await res.text();
    expect(res.status).toBe(403);
    expect(html).toContain('read-only');
    expect(html).not.toContain(READ_TOKEN);
  });

  it('job form: 422 for zero shards', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, { ...fields, shards: '0', token: WRITE_TOKEN });
    const html = await res.text();
    expect(res.status).toBe(422);
    expect(html).toContain('shards');
    expect(html).not.toContain(WRITE_TOKEN);
  });

  it('job form: creates the job of this set', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, { ...fields, token: WRITE_TOKEN });
    const html = await res.text();
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).not.toContain(WRITE_TOKEN);
    const uploadToken = /mjt_[0-9a-f]{32}_[0-9a-f]{64}/.exec(html)?.[0] ?? '';
    const jobId = uploadToken.slice(4, 36);
    expect(jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(html).toContain(`MADMIX_JOB_TOKEN=${uploadToken} npx tsx scripts/jobs/run.ts`);
    expect(html).toContain('--watch');
    expect(html).toContain('shown only on this page');

    const job = await fetchApi(`/v1/jobs/${jobId}`, { headers: bearer(WRITE_TOKEN) });
    const state = (await job.json()) as { plan: { domains: { name: string; datasets?: string[] }[]; modalities: { name: string; model?: string }[]; shards: number; samplesPerDataset: number; seed: number; embedArgs: string[] } };
    expect(job.status).toBe(200);
    expect(state.plan.domains.map((d) => d.name)).toEqual(names);
    expect(state.plan.domains[0].datasets).toEqual(['dataset-0-a', 'dataset-0-b']);
    expect(state.plan.modalities.map((m) => m.name)).toEqual(imageText.modalities);
    expect(state.plan.modalities.find((m) => m.name === 'image')?.model).toBe('mobilenetv2-12-float');
    expect(state.plan.shards).toBe(2);
    expect(state.plan.samplesPerDataset).toBe(8);
    expect(state.plan.seed).toBe(3);
    expect(state.plan.embedArgs).toEqual(['--domains', '/data/page corpus']);

    const withUploadToken = await fetchApi(`/v1/jobs/${jobId}`, { headers: bearer(uploadToken) });
    expect(withUploadToken.status).toBe(200);
    expect(logs.join('\n')).not.toContain(uploadToken);
  });

  it('job form: label and fix, not API names', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, { ...fields, samples: '0', token: WRITE_TOKEN });
    const html = await res.text();
    expect(res.status).toBe(422);
    expect(html).toContain('Invalid Samples per dataset &quot;0&quot;: use a whole number from 1');
    expect(html).not.toContain('samplesPerDataset');
  });

  it('job form: relative folder is 422', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, { ...fields, folder: 'data/corpus', token: WRITE_TOKEN });
    const html = await res.text();
    expect(res.status).toBe(422);
    expect(html).toContain('Invalid Data folder &quot;data/corpus&quot;');
    expect(html).toContain('absolute path');
  });

  it('job form: follow-up exports the token', async () => {
    const res = await postForm(`/s/${statsId}/jobs`, { ...fields, token: WRITE_TOKEN });
    const html = await res.text();
    expect(res.status).toBe(201);
    const uploadToken = /mjt_[0-9a-f]{32}_[0-9a-f]{64}/.exec(html)?.[0] ?? '';
    const exportAt = html.indexOf(`export MADMIX_JOB_TOKEN=&#39;${uploadToken}&#39;`);
    expect(exportAt).toBeGreaterThan(0);
    expect(exportAt).toBeLessThan(html.indexOf('curl -H &quot;Authorization: Bearer $MADMIX_JOB_TOKEN&quot;'));
  });

  it('compute form: no manual method', async () => {
    const html = await (await fetchApi(`/s/${statsId}`)).text();
    expect(html).not.toContain('<option value="manual"');
    expect(html).toContain('POST /v1/mixtures');
  });

  it('set page: one domain hides the forms', async () => {
    const stats = pageStats() as { domains: unknown[] };
    stats.domains = stats.domains.slice(0, 1);
    const id = (await upload(stats)).id;
    const html = await (await fetchApi(`/s/${id}`)).text();
    expect(html).toContain('needs at least 2');
    expect(html).not.toContain(`action="/s/${id}/mixtures"`);
    expect(html).not.toContain(`action="/s/${id}/jobs"`);
  });

  it('job form: no token in console output', () => {
    expect(logs.some((line) => line.includes('Missing write token'))).toBe(true);
    const text = logs.join('\n');
    expect(text).not.toContain(WRITE_TOKEN);
    expect(text).not.toContain(READ_TOKEN);
    expect(text).not.toContain('mjt_');
  });
});
