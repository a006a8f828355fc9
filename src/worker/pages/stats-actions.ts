/**
 * Handlers behind the statistics-set page's forms. Each runs the same steps as the
 * JSON API (rate limit, validation, solve and store, token check, job
 * creation), so a form and an API request give the same result and errors.
 */
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { MadmixError, show } from '../../core/errors.js';
import { DECIMAL } from '../../core/exports/query.js';
import type { StatsSet } from '../../core/stats/types.js';
import { roleOfToken } from '../auth.js';
import { mediaType, readBody } from '../body.js';
import type { AppEnv } from '../env.js';
import { validationError } from '../errors.js';
import { createJob } from '../jobs/create.js';
import { JobCreateBody } from '../jobs/schemas.js';
import { JOB_TOKEN_PREFIX } from '../jobs/types.js';
import { MAX_SMALL_BODY_BYTES } from '../limits.js';
import { rateLimit } from '../rate-limit.js';
import { resolveRuns, resolveStats, solveAndStore } from '../solve.js';
import { field, type ComputeValues, type JobValues } from './stats-forms.js';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Reads an urlencoded form body of at most MAX_SMALL_BODY_BYTES. */
export async function readForm(c: Context<AppEnv>): Promise<URLSearchParams> {
  const type = mediaType(c);
  if (type !== FORM_TYPE) {
    throw new MadmixError('unsupported_media_type', `Unsupported Content-Type ${show(type || 'none')}; submit the form as ${FORM_TYPE}.`, {
      contentType: type,
      accepted: [FORM_TYPE],
    });
  }
  const bytes = await readBody(c, MAX_SMALL_BODY_BYTES, 'submit only the fields of the form');
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

/**
 * Converts a form field to a parameter value: empty means "not given", a
 * decimal number becomes a number, and any other text is passed on unchanged
 * so that the API's own check rejects it with its usual message.
 */
function formValue(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return DECIMAL.test(trimmed) ? Number(trimmed) : trimmed;
}

/** Computes (or finds) the mixture that the compute form requests and returns its result id. */
export async function computeFromForm(c: Context<AppEnv>, statsId: string, values: ComputeValues): Promise<string> {
  const params: Record<string, unknown> = {};
  const lambda = formValue(values.lambda);
  const temperature = formValue(values.temperature);
  if (lambda !== undefined) params.lambda = lambda;
  if (temperature !== undefined) params.temperature = temperature;
  if (values.modality) params.modality = values.modality;

  const stats = await resolveStats(c, statsId);
  const runs = resolveRuns(stats.set, [{ method: values.method, params }]);
  const response = await solveAndStore(c, 'mixture', stats, runs);
  return ((await response.json()) as { id: string }).id;
}

/** Applies the rate limit of POST /v1/mixtures; throws `rate_limited` when the client is over it. */
export const applyRateLimit = (c: Context<AppEnv>): Promise<void> => rateLimit(c, async () => {}) as Promise<void>;

/** Checks a token typed into the job form the way a bearer token is checked on POST /v1/jobs. */
export async function checkWriteToken(c: Context<AppEnv>, token: string): Promise<void> {
  if (!token) throw new MadmixError('unauthorized', 'Missing write token; paste a token with role write into the token field.');
  if (token.startsWith(JOB_TOKEN_PREFIX)) {
    throw new MadmixError('forbidden', 'A job token only uploads shards to its own job; paste a token with role write.');
  }
  const role = await roleOfToken(c.env.TOKEN_HASHES, token);
  if (!role) throw new MadmixError('unauthorized', 'Invalid token; check the token or ask the operator for one.');
  if (role !== 'write') throw new MadmixError('forbidden', 'This token is read-only; creating a job needs a token with role write.');
}

/** Labels of the job form's fields by API field, with the fix each error message gives. */
const JOB_FIELDS: Record<string, { label: string; form: keyof JobValues; fix: string }> = {
  shards: { label: 'Shards', form: 'shards', fix: 'use a whole number from 1 to 1024' },
  samplesPerDataset: { label: 'Samples per dataset', form: 'samples', fix: 'use a whole number from 1 to 100000000, or leave it empty for the script default' },
  seed: { label: 'Seed', form: 'seed', fix: `use a whole number from 0 to ${2 ** 32 - 1}, or leave it empty for the script default` },
  embedArgs: { label: 'Data folder', form: 'folder', fix: 'use an absolute path of at most 4096 characters' },
};

/** Rejects a relative data folder, because the batch worker runs in its own working directory and cannot resolve it. */
function checkFolder(folder: string): void {
  if (!folder || folder.startsWith('/') || /^[A-Za-z]:[\\/]/.test(folder)) return;
  throw new MadmixError(
    'invalid_parameter',
    `Invalid Data folder ${show(folder)}: the batch worker cannot resolve a relative path; use an absolute path such as /data/corpus.`,
    { field: 'folder', value: folder },
  );
}

/** Builds the POST /v1/jobs body for set `statsId` from the job form, validated by the API's schema. */
export function jobBody(statsId: string, set: StatsSet, values: JobValues) {
  const folder = values.folder.trim();
  checkFolder(folder);
  const body = {
    name: `Embedding job for set ${statsId.slice(0, 12)}`,
    domains: set.domains.map((d) => (d.datasets?.length ? { name: d.name, datasets: d.datasets.map((x) => x.name) } : { name: d.name })),
    modalities: set.modalities.map(({ name, model, layer }) => ({ name, ...(model ? { model } : {}), ...(layer ? { layer } : {}) })),
    shards: formValue(values.shards),
    samplesPerDataset: formValue(values.samples),
    seed: formValue(values.seed),
    embedArgs: folder ? ['--domains', folder] : undefined,
  };
  const parsed = JobCreateBody.safeParse(body);
  if (!parsed.success) throw formError(parsed.error, values);
  return parsed.data;
}

/** Converts a schema error to a message under the form's label; fields the form does not show keep the API's message. */
function formError(error: ZodError, values: JobValues): MadmixError {
  const issue = error.issues[0];
  const spec = JOB_FIELDS[String(issue?.path[0])];
  if (!spec) return validationError(error, 'json');
  const value = values[spec.form];
  return new MadmixError('invalid_parameter', `Invalid ${spec.label} ${show(value)}: ${spec.fix}.`, { field: spec.form, value });
}

/** Creates the job of the job form; the caller has checked the token. */
export const createJobFromForm = (c: Context<AppEnv>, statsId: string, set: StatsSet, values: JobValues) =>
  createJob(c, jobBody(statsId, set, values));

/** The token field of a submitted job form, without surrounding whitespace. */
export const formToken = (form: URLSearchParams): string => field(form, 'token').trim();
