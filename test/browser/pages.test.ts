import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../src/core/exports/index.js';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

interface FixtureDomain {
  name: string;
  embeddings: Record<string, number[]>;
  samples?: number;
}

const fixture = JSON.parse(readFileSync('test/fixtures/mixtures/image-text-5.json', 'utf8')) as { dim: number; modalities: string[]; domains: FixtureDomain[] };
/** One name with markup and quotes, to see escaping in a real browser. */
const HOSTILE = 'charts & "graphs" <b>bold</b>';
const names = fixture.domains.map((d, i) => (i === 1 ? HOSTILE : d.name));

function exampleStats(): Record<string, unknown> {
  return {
    format: 'madmix.stats',
    version: 1,
    modalities: Object.fromEntries(fixture.modalities.map((m) => [m, { dim: fixture.dim }])),
    domains: fixture.domains.map((d, i) => ({
      name: names[i],
      samples: d.samples ?? 1000 * (i + 1),
      tokens: (d.samples ?? 1000 * (i + 1)) * 64,
      stats: Object.fromEntries(Object.entries(d.embeddings).map(([m, v]) => [m, { count: 1, sum: v }])),
    })),
    meta: { example: 'true', corpus: 'browser test' },
  };
}

/** Chromium flags: headless, no sandbox (containers), and no background traffic to other hosts. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!hasChromium)('pages in Chromium', () => {
  let work: string;
  let shots: string;
  let server: DevServer;
  let browser: Browser;
  let mixtureId = '';
  let compareId = '';
  const offOrigin: string[] = [];

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(json)).toBeLessThan(300);
    return json;
  };

  const open = async (path: string, javaScriptEnabled = true): Promise<Page> => {
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(server.origin)) offOrigin.push(request.url());
    });
    const res = await page.goto(`${server.origin}${path}`);
    expect(res?.status()).toBe(200);
    return page;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'madmix-browser-'));
    shots = process.env.MADMIX_SCREENSHOT_DIR ?? join(work, 'screenshots');
    mkdirSync(shots, { recursive: true });
    server = await startDevServer(join(work, 'state'));
    const stats = await post('/v1/stats', exampleStats());
    mixtureId = (await post('/v1/mixtures', { stats: stats.id, method: 'madmix', params: { lambda: 10 } })).id;
    compareId = (await post('/v1/compare', { stats: stats.id, methods: [{ method: 'madmix' }, { method: 'uniform' }, { method: 'proportional' }] })).id;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    // Screenshots outside `work` (MADMIX_SCREENSHOT_DIR) are kept.
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('share page: renders every domain in the chart', async () => {
    const page = await open(`/m/${mixtureId}`);
    await expect(page.locator('h1').textContent()).resolves.toContain('MaD-Mix mixture over 5 domains');
    const labeled = await page.locator('svg g.bar-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-domain')));
    expect(labeled).toEqual(names);
    const labels = await page.locator('svg g.bar-row text.label').allTextContents();
    expect(labels).toContain(HOSTILE);
    expect(await page.locator('b', { hasText: 'bold' }).count()).toBe(0);
    const box = await page.locator('svg.chart').first().boundingBox();
    expect(box?.height).toBeGreaterThan(50);
    await page.screenshot({ path: join(shots, 'share.png'), fullPage: true });
    await page.context().close();
  });

  it('share page: every export link returns content', async () => {
    const page = await open(`/m/${mixtureId}?budget=100000&unit=samples`);
    const hrefs = await page.locator('ul.downloads a').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href') ?? ''));
    const links = hrefs.map((href) => new URL(href, server.origin).href);
    expect(links).toHaveLength(EXPORT_FORMATS.length);
    for (const link of links) {
      const res = await page.request.get(link);
      expect(res.status(), link).toBe(200);
      const body = await res.text();
      expect(body.length, link).toBeGreaterThan(100);
      expect(body, link).toContain(mixtureId);
    }
    await expect(page.locator('table th', { hasText: 'Implied samples' }).count()).resolves.toBe(1);
    await page.context().close();
  });

  it('share page: renders with JavaScript disabled', async () => {
    const page = await open(`/m/${mixtureId}`, false);
    expect(await page.locator('svg g.bar-row').count()).toBe(names.length);
    expect(await page.locator('table tbody tr').count()).toBeGreaterThanOrEqual(names.length);
    await page.locator('input[name=budget]').fill('5000');
    await page.locator('form.budget button').click();
    await page.waitForURL(/budget=5000/);
    expect(await page.locator('table th', { hasText: 'Epochs' }).count()).toBe(1);
    await page.context().close();
  });

  it('compare page: renders grouped bars and the table', async () => {
    const page = await open(`/m/${compareId}`);
    expect(await page.locator('svg g.bar-group').count()).toBe(names.length);
    expect(await page.locator('table.compare thead th').count()).toBe(4);
    await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true });
    await page.context().close();
  });

  it('landing: shows the example set and links its mixture', async () => {
    const page = await open('/');
    expect(await page.locator('h1').textContent()).toBe('madmix');
    expect(await page.locator('main table td', { hasText: HOSTILE }).count()).toBe(1);
    expect(await page.locator('a', { hasText: 'See its mixture' }).getAttribute('href')).toMatch(/^\/m\/[0-9a-f]{32}$/);
    await page.screenshot({ path: join(shots, 'landing.png'), fullPage: true });
    await page.context().close();
  });

  it('set page: compute form lands on the share page', async () => {
    for (const javaScriptEnabled of [true, false]) {
      const page = await open('/', javaScriptEnabled);
      await page.locator('a', { hasText: 'Open the set' }).click();
      await page.waitForURL(/\/s\/[0-9a-f]{64}$/);
      expect(await page.locator('table.domains tbody tr').count()).toBe(names.length);
      expect(await page.locator('table.domains td', { hasText: HOSTILE }).count()).toBe(1);
      if (javaScriptEnabled) await page.screenshot({ path: join(shots, 'stats.png'), fullPage: true });
      const form = page.locator('form[action$="/mixtures"]');
      await form.locator('select[name=method]').selectOption('madmix');
      await form.locator('input[name=lambda]').fill('10');
      await form.locator('button[type=submit]').click();
      // The form's defaults plus lambda 10 are the request beforeAll sent to the API, so the result id is the same.
      await page.waitForURL(new RegExp(`/m/${mixtureId}$`));
      await expect(page.locator('h1').textContent()).resolves.toContain('MaD-Mix mixture over 5 domains');
      await page.context().close();
    }
  });

  it('pages: make no request to another host', () => {
    expect(offOrigin).toEqual([]);
  });
});
