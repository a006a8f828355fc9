/**
 * HTML pages: the start page, the API docs, the share page of a stored result
 * and the page of a stored statistics set with its forms. They read R2
 * directly and run no client-side script.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MadmixError } from '../../core/errors.js';
import { exportOptionsFromQuery, planMixture, singleQueryValues, type ExportOptions } from '../../core/exports/index.js';
import type { AppEnv } from '../env.js';
import { logLine } from '../log.js';
import { findExample, findResultsFor } from '../pages/example.js';
import { renderDocs } from '../pages/docs.js';
import { renderJobCreated } from '../pages/job-created.js';
import { renderLanding } from '../pages/landing.js';
import { renderNotFound } from '../pages/not-found.js';
import { renderSharePage } from '../pages/share.js';
import type { BudgetValues } from '../pages/sections.js';
import { applyRateLimit, checkWriteToken, computeFromForm, createJobFromForm, formToken, readForm } from '../pages/stats-actions.js';
import { EMPTY_COMPUTE, EMPTY_JOB, readComputeValues, readJobValues } from '../pages/stats-forms.js';
import { renderStatsPage, type StatsPageProps } from '../pages/stats-page.js';
import { loadStats, statsSize } from '../store.js';
import { resultKey, statsKey, type StoredResult } from '../types.js';

export const pages = new Hono<AppEnv>();

const RESULT_ID = /^[0-9a-f]{32}$/;
const STATS_ID = /^[0-9a-f]{64}$/;

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

const BUDGET_FIELDS = ['budget', 'unit', 'maxEpochs'] as const;

/**
 * Reads the budget query of the share page. An invalid one is dropped and its
 * message shown, and `values` keeps the text as typed so the form shows it again.
 */
function readOptions(c: Context<AppEnv>, stored: StoredResult): { options: ExportOptions; values: BudgetValues; error?: string } {
  const queries = c.req.queries();
  const given: Record<string, string[]> = {};
  const values: BudgetValues = {};
  for (const name of BUDGET_FIELDS) {
    // An empty field of the submitted form means "not given".
    const texts = (queries[name] ?? []).filter((text) => text !== '');
    if (texts.length === 0) continue;
    given[name] = texts;
    values[name] = texts[0];
  }
  try {
    const options = exportOptionsFromQuery(singleQueryValues(given));
    planMixture(stored, options);
    return { options, values };
  } catch (err) {
    if (err instanceof MadmixError) return { options: {}, values, error: err.message };
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
  const { options, values, error } = readOptions(c, stored);
  const url = new URL(`/m/${id}`, c.req.url).href;
  const statsPage = stored.statsStored && (await c.env.STATS.head(statsKey(stored.statsId))) !== null;
  // The result never changes, but the page markup may change with a deploy.
  c.header('cache-control', 'public, max-age=3600');
  return c.html(await renderSharePage({ stored, url, options, budgetValues: values, optionsError: error, statsPage }));
});

type SetPage = Omit<StatsPageProps, 'compute' | 'job'>;

function setNotFound(c: Context<AppEnv>): Promise<Response> {
  logLine('warn', 'Statistics set page not found', { requestId: c.get('requestId'), status: 404, path: c.req.path.slice(0, 120) });
  return renderNotFound(c.req.path, 'stats').then((html) => c.html(html, 404));
}

/** Loads what the set page shows, or returns undefined when the id is malformed or the set is not stored. */
async function loadSetPage(c: Context<AppEnv>, id: string): Promise<SetPage | undefined> {
  if (!STATS_ID.test(id)) return undefined;
  try {
    const size = await statsSize(c.env, id);
    const set = await loadStats(c.env, id);
    return { id, set, size, results: await findResultsFor(c.env, id), origin: new URL(c.req.url).origin };
  } catch (err) {
    if (err instanceof MadmixError && err.code === 'not_found') return undefined;
    throw err;
  }
}

/**
 * Shows a client error of a set-page form on the page, with the error's
 * status. Server errors and unexpected exceptions are rethrown to the app's
 * error handler. The log line carries the error's code and message, which the
 * form handlers never build from the token field.
 */
async function showFormError(c: Context<AppEnv>, id: string, err: unknown, withError: (page: SetPage, message: string) => StatsPageProps): Promise<Response> {
  if (!(err instanceof MadmixError) || err.status >= 500) throw err;
  logLine('warn', err.message, { requestId: c.get('requestId'), method: 'POST', path: c.req.path, status: err.status, code: err.code });
  const page = err.code === 'not_found' ? undefined : await loadSetPage(c, id);
  if (!page) return setNotFound(c);
  if (err.code === 'rate_limited' && typeof err.details?.retryAfterSeconds === 'number') {
    c.header('retry-after', String(err.details.retryAfterSeconds));
  }
  c.header('cache-control', 'no-store');
  return c.html(await renderStatsPage(withError(page, err.message)), err.status as ContentfulStatusCode);
}

pages.get('/s/:id', async (c) => {
  const page = await loadSetPage(c, c.req.param('id'));
  if (!page) return setNotFound(c);
  // The set never changes, but its list of stored mixtures grows.
  c.header('cache-control', 'public, max-age=60');
  return c.html(await renderStatsPage(page));
});

/** The compute form: same rate limit, validation and result id as POST /v1/mixtures, then 303 to the share page. */
pages.post('/s/:id/mixtures', async (c) => {
  const id = c.req.param('id');
  if (!STATS_ID.test(id)) return setNotFound(c);
  let values = EMPTY_COMPUTE;
  try {
    await applyRateLimit(c);
    values = readComputeValues(await readForm(c));
    return c.redirect(`/m/${await computeFromForm(c, id, values)}`, 303);
  } catch (err) {
    return showFormError(c, id, err, (page, error) => ({ ...page, compute: { values, error } }));
  }
});

/** The job form. Its token field is checked like a bearer token on POST /v1/jobs, and the new upload token is shown once. */
pages.post('/s/:id/jobs', async (c) => {
  const id = c.req.param('id');
  if (!STATS_ID.test(id)) return setNotFound(c);
  let values = EMPTY_JOB;
  try {
    const form = await readForm(c);
    values = readJobValues(form);
    await checkWriteToken(c, formToken(form));
    const job = await createJobFromForm(c, id, await loadStats(c.env, id), values);
    logLine('info', 'Job created from the set page', { requestId: c.get('requestId'), job: job.id, stats: id, shards: job.plan.shards });
    c.header('cache-control', 'no-store');
    const { uploadToken, expiresAt, command } = job;
    const origin = new URL(c.req.url).origin;
    return c.html(await renderJobCreated({ id: job.id, statsId: id, shards: job.plan.shards, uploadToken, expiresAt, command, origin }), 201);
  } catch (err) {
    return showFormError(c, id, err, (page, error) => ({ ...page, job: { values, error } }));
  }
});

export default pages;
