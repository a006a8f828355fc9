/**
 * HTML pages: the start page, the API docs and the share page of a stored
 * result. They read R2 directly and run no client-side script.
 */
import { Hono, type Context } from 'hono';
import { MadmixError } from '../../core/errors.js';
import { planMixture, type ExportOptions } from '../../core/exports/index.js';
import type { AppEnv } from '../env.js';
import { logLine } from '../log.js';
import { findExample } from '../pages/example.js';
import { renderDocs } from '../pages/docs.js';
import { renderLanding } from '../pages/landing.js';
import { renderNotFound } from '../pages/not-found.js';
import { renderSharePage } from '../pages/share.js';
import { resultKey, type StoredResult } from '../types.js';

export const pages = new Hono<AppEnv>();

const RESULT_ID = /^[0-9a-f]{32}$/;

/** Inline styles only, no scripts; forms post back to this origin. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pages.use(async (c, next) => {
  await next();
  if (c.res.headers.get('content-type')?.startsWith('text/html')) {
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
  }
});

/** Reads the budget query of the share page; an invalid one is dropped and its message shown. */
function readOptions(c: Context<AppEnv>, stored: StoredResult): { options: ExportOptions; error?: string } {
  const query = c.req.query();
  const options: ExportOptions = {};
  if (query.budget) options.budget = Number(query.budget);
  if (query.unit) options.unit = query.unit as ExportOptions['unit'];
  if (query.maxEpochs) options.maxEpochs = Number(query.maxEpochs);
  try {
    planMixture(stored, options);
    return { options };
  } catch (err) {
    if (err instanceof MadmixError) return { options: {}, error: err.message };
    throw err;
  }
}

pages.get('/', async (c) => {
  const origin = new URL(c.req.url).origin;
  c.header('cache-control', 'public, max-age=60');
  return c.html(await renderLanding(origin, await findExample(c.env)));
});

pages.get('/docs', async (c) => {
  c.header('cache-control', 'public, max-age=3600');
  return c.html(await renderDocs());
});

pages.get('/m/:id', async (c) => {
  const id = c.req.param('id');
  const object = RESULT_ID.test(id) ? await c.env.STATS.get(resultKey(id)) : null;
  if (!object) {
    logLine('warn', 'Share page not found', { requestId: c.get('requestId'), status: 404, id: id.slice(0, 80) });
    return c.html(await renderNotFound(c.req.path), 404);
  }
  const stored = (await object.json()) as StoredResult;
  const { options, error } = readOptions(c, stored);
  const url = new URL(`/m/${id}`, c.req.url).href;
  // The result never changes, but the page markup may change with a deploy.
  c.header('cache-control', 'public, max-age=3600');
  return c.html(await renderSharePage({ stored, url, options, optionsError: error }));
});

export default pages;
