import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../src/core/exports/index.js';
import type { MixtureResult } from '../../src/core/methods/types.js';
import { resultKey, type StoredResult } from '../../src/worker/types.js';

const ORIGIN = 'http://madmix.test';
const STATS_ID = 'ab'.repeat(32);
const MIXTURE_ID = '0123456789abcdef0123456789abcdef';
const COMPARE_ID = 'fedcba9876543210fedcba9876543210';

const NAMES = ['<script>alert(1)</script>', 'a "quoted" & \'single\'', '"><svg onload=alert(2)>', 'charts & graphs', '日本語', 'plain'];
const WEIGHTS = [0.3, 0.25, 0.2, 0.15, 0.0999, 0.0001];

/** Escapes the way hono/jsx does, to find a name in the rendered page. */
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function result(method: MixtureResult['method'], weights: number[], extra: Partial<MixtureResult> = {}): MixtureResult {
  return {
    method,
    params: method === 'madmix' ? { lambda: 10, temperature: 1, normalize: 'none' } : {},
    solverVersion: '0.1.0',
    inputHash: STATS_ID,
    domains: NAMES,
    weights: Object.fromEntries(NAMES.map((n, i) => [n, weights[i]])),
    diagnostics: { entropy: 1.5, maxEntropy: Math.log(NAMES.length), klToUniform: 0.29, klToProportional: 0.1 },
    ...extra,
  };
}

function stored(id: string, kind: StoredResult['kind'], results: MixtureResult[], extra: Partial<StoredResult> = {}): StoredResult {
  return {
    id,
    kind,
    createdAt: '2026-12-04T10:00:00.000Z',
    statsId: STATS_ID,
    statsStored: true,
    summary: {
      domains: NAMES.map((name, i) => ({ name, modalities: { image: 10 }, samples: 1000 * (i + 1) })),
      modalities: [{ name: 'image', dim: 3 }],
      domainCount: NAMES.length,
      totalCount: NAMES.length * 10,
    } as unknown as StoredResult['summary'],
    results,
    ...extra,
  };
}

const madmix = result('madmix', WEIGHTS, {
  scores: Object.fromEntries(NAMES.map((n, i) => [n, 1 - i / 10])),
  modalityScores: { image: Object.fromEntries(NAMES.map((n, i) => [n, i / 10])), text: Object.fromEntries(NAMES.map((n) => [n, 0.5])) },
  diagnostics: { entropy: 1.5, maxEntropy: Math.log(6), klToUniform: 0.29, effectiveDimension: 3.2, spectrum: [12, 3, 0.5, 0.01, 1e-5] },
});
const path = {
  lambdas: [0.01, 0.1, 1, 10, 100, 1000],
  weights: Object.fromEntries(NAMES.map((n, i) => [n, [0.5, 0.4, 0.3, WEIGHTS[i], 0.2, 1 / 6]])),
  effectiveDimension: [5, 4.5, 4, 3.2, 2, 1],
};

/** Builds a safetensors file with metadata only, enough for the start page to read. */
function safetensorsHeader(meta: Record<string, string>): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({
      __metadata__: {
        format: 'madmix.stats/1',
        domains: JSON.stringify(['example <b>one</b>', 'two']),
        modalities: JSON.stringify({ image: {}, text: {} }),
        sizes: JSON.stringify([{ samples: 170 }, { samples: 30, tokens: 900 }]),
        meta: JSON.stringify(meta),
      },
    }),
  );
  const bytes = new Uint8Array(8 + header.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  return bytes;
}

const get = (path: string) => exports.default.fetch(`${ORIGIN}${path}`);

beforeAll(async () => {
  await env.STATS.put(resultKey(MIXTURE_ID), JSON.stringify(stored(MIXTURE_ID, 'mixture', [madmix], { path })), {
    customMetadata: { kind: 'mixture', statsId: STATS_ID },
  });
  await env.STATS.put(resultKey(COMPARE_ID), JSON.stringify(stored(COMPARE_ID, 'compare', [madmix, result('uniform', NAMES.map(() => 1 / 6)), result('unimax', [...WEIGHTS].reverse())])));
  await env.STATS.put(`stats/${'cd'.repeat(32)}.safetensors`, safetensorsHeader({ corpus: 'other' }));
  await env.STATS.put(`stats/${STATS_ID}.safetensors`, safetensorsHeader({ example: 'true', corpus: 'emoji' }));
});

describe('share page: mixture', () => {
  let html = '';
  let res: Response;
  beforeAll(async () => {
    res = await get(`/m/${MIXTURE_ID}`);
    html = await res.text();
  });

  it('share page: returns HTML with a strict CSP', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('share page: escapes every domain name', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<svg onload');
    // With quoted attribute values removed, no tag may carry an event handler.
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son\w+=/);
  });

  it('share page: labels every domain in the chart', () => {
    const chart = html.slice(html.indexOf('<svg'), html.indexOf('</svg>'));
    for (const name of NAMES) expect(chart).toContain(`data-domain="${escapeHtml(name)}"`);
    expect(chart.match(/<g class="bar-row"/g)).toHaveLength(NAMES.length);
  });

  it('share page: has Open Graph and Twitter tags', () => {
    expect(html).toContain(`<meta property="og:url" content="${ORIGIN}/m/${MIXTURE_ID}"/>`);
    const title = /<meta property="og:title" content="([^"]*)"/.exec(html)?.[1] ?? '';
    expect(title).toContain('MaD-Mix');
    expect(title).toContain(escapeHtml(NAMES[0]));
    expect(title).toContain('30.0%');
    expect(html).toMatch(/<meta property="og:description" content="[^"]+"/);
    expect(html).toContain('<meta name="twitter:card" content="summary"/>');
  });

  it('share page: links every export format', () => {
    for (const format of EXPORT_FORMATS) expect(html).toContain(`href="/v1/mixtures/${MIXTURE_ID}/export/${format}"`);
  });

  it('share page: shows spectrum, path, scores, identity', () => {
    expect(html).toContain('Eigenvalue spectrum');
    expect(html).toContain('Regularization path');
    expect(html).toContain('Per-modality scores');
    expect(html).toContain(STATS_ID);
    expect(html).toContain('lambda=10');
    expect(html).toContain('Effective dimension');
    expect(html).toContain('KL to uniform');
  });

  it('share page: loads no external resource', () => {
    expect(html).not.toMatch(/<(script|link rel="stylesheet"|img|iframe)/);
    const absolute = [...html.matchAll(/(?:src|href|action)="((?:https?:)?\/\/[^"]*)"/g)].map((m) => m[1]);
    expect(absolute.filter((url) => !url.startsWith(`${ORIGIN}/`))).toEqual([]);
  });
});

describe('share page: budget and comparison', () => {
  it('budget: shows implied samples and carries it to exports', async () => {
    const html = await (await get(`/m/${MIXTURE_ID}?budget=10000&unit=samples&maxEpochs=2`)).text();
    expect(html).toContain('Implied samples');
    expect(html).toContain('>3,000<');
    expect(html).toContain(`/export/csv?budget=10000&amp;unit=samples&amp;maxEpochs=2`);
  });

  it('budget: non-numeric text stays in the input', async () => {
    const res = await get(`/m/${MIXTURE_ID}?budget=abc`);
    const html = await res.text();
    expect(html).toContain('&quot;abc&quot;');
    expect(html).not.toContain('NaN');
    expect(html).toMatch(/name="budget"[^>]*value="abc"/);
  });

  it('budget: repeated value shows its error', async () => {
    const html = await (await get(`/m/${MIXTURE_ID}?budget=10&budget=20`)).text();
    expect(html).toContain('repeated');
    expect(html).toContain('send it once');
  });

  it('budget: an invalid value shows its error', async () => {
    const res = await get(`/m/${MIXTURE_ID}?budget=-5`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Invalid budget -5');
  });

  it('compare: renders grouped bars and a table per method', async () => {
    const res = await get(`/m/${COMPARE_ID}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Comparison of 3 mixtures');
    expect(html.match(/<g class="bar-group"/g)).toHaveLength(NAMES.length);
    for (const method of ['madmix', 'uniform', 'unimax']) expect(html).toContain(`. ${method}</th>`);
    for (let i = 0; i < 3; i++) expect(html).toContain(`/export/json?index=${i}`);
    expect(html).not.toContain('<script');
  });
});

describe('pages: not found', () => {
  for (const id of ['0'.repeat(32), 'xyz', 'ABCDEF0123456789ABCDEF0123456789', '0123', '%2e%2e%2fstats']) {
    it(`share page: 404 for ${id}`, async () => {
      const res = await get(`/m/${id}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('Not found');
    });
  }
});

describe('pages: landing and docs', () => {
  it('landing: shows the example set and its mixture', async () => {
    const res = await get('/');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain(STATS_ID.slice(0, 16));
    expect(html).toContain('example &lt;b&gt;one&lt;/b&gt;');
    expect(html).toContain(`href="/m/${MIXTURE_ID}"`);
    expect(html).toContain('href="/docs"');
    expect(html).toContain('href="/openapi.json"');
    expect(html).toContain('POST');
  });

  it('docs: lists methods, formats and errors', async () => {
    const res = await get('/docs');
    const html = await res.text();
    expect(res.status).toBe(200);
    for (const word of ['madmix', 'chameleon', 'unimax', 'megatron', 'energon', 'llava', 'datajuicer', 'problem_too_large']) {
      expect(html).toContain(`<code>${word}</code>`);
    }
  });
});

describe('exports through the API', () => {
  for (const format of EXPORT_FORMATS) {
    it(`export: ${format} returns the file`, async () => {
      const res = await get(`/v1/mixtures/${MIXTURE_ID}/export/${format}?budget=1000`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain(MIXTURE_ID);
    });
  }
});
