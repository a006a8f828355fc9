import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { MadmixError, type ErrorCode } from '../core/errors.js';
import type { AppEnv } from './env.js';
import { logLine } from './log.js';

/** Sends `error` as `{ error: { code, message, details? }, requestId }` with its status. */
export function errorResponse(c: Context<AppEnv>, error: MadmixError, headers: Record<string, string> = {}): Response {
  const body = { error: error.toJSON(), requestId: c.get('requestId') };
  return c.json(body, error.status as 400, headers);
}

/** Maps the few `HTTPException`s Hono itself throws onto madmix codes. */
function fromHttpException(error: HTTPException): MadmixError {
  const codes: Record<number, ErrorCode> = {
    400: 'invalid_json',
    404: 'not_found',
    405: 'method_not_allowed',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
  };
  const code = codes[error.status];
  return code ? new MadmixError(code, error.message) : new MadmixError('internal', 'Internal error.');
}

/**
 * Tests whether `err` is a Durable Object exception that a retry may cure.
 * The runtime marks overloads and resets (for example "Durable Object reset
 * because its code was updated") with `overloaded` or `retryable`.
 */
function isTransientObjectError(err: Error): boolean {
  const flags = err as Error & { retryable?: boolean; overloaded?: boolean };
  return flags.retryable === true || flags.overloaded === true;
}

/** The app's one error handler: known errors keep their status, anything else is a logged 500. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get('requestId');
  const where = { requestId, method: c.req.method, path: c.req.path };
  let error: MadmixError;
  if (err instanceof MadmixError) error = err;
  else if (err instanceof HTTPException && err.status !== 500) error = fromHttpException(err);
  else if (isTransientObjectError(err)) {
    error = new MadmixError('storage_unavailable', `A Durable Object call failed (${err.message}); retry the request in a few seconds.`, {
      retryAfterSeconds: 1,
    });
  } else {
    logLine('error', 'Unhandled error', { ...where, status: 500, error: err.name, detail: err.message, stack: err.stack });
    return errorResponse(c, new MadmixError('internal', 'Internal error; quote the request id when reporting it.'));
  }
  logLine(error.status >= 500 ? 'error' : 'warn', error.message, { ...where, status: error.status, code: error.code });
  const headers: Record<string, string> = {};
  if ((error.code === 'rate_limited' || error.code === 'storage_unavailable') && typeof error.details?.retryAfterSeconds === 'number') {
    headers['retry-after'] = String(error.details.retryAfterSeconds);
  }
  return errorResponse(c, error, headers);
};

/** Sends 404 for an unmatched path. `logUnmatched` logs it after the 405 check has run. */
export const onNotFound: NotFoundHandler<AppEnv> = (c) => {
  c.set('unmatched', true);
  return errorResponse(c, new MadmixError('not_found', `No route for ${c.req.method} ${c.req.path}; see /v1 for the routes.`));
};

/** Logs a request that matched no route, unless it became a 405 (which logs itself). */
export const logUnmatched: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.get('unmatched') && c.res.status === 404) {
    logLine('warn', 'No route', { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: 404, code: 'not_found' });
  }
};

/** Formats a zod issue path as `methods[0].params`. */
function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const part of path) {
    if (typeof part === 'number') name += `[${part}]`;
    else if (name) name += `.${String(part)}`;
    else name = String(part);
  }
  return name || 'body';
}

type Issue = ZodError['issues'][number];

// zod reports an absent required field as invalid_type "... received undefined"; a schema
// may replace that message with "required: <what the field is>".
const isMissing = (issue: Issue): boolean =>
  issue.code === 'invalid_type' && (/received undefined$/.test(issue.message) || issue.message.startsWith('required: '));

function missingMessage(place: string, field: string, message: string): string {
  const what = message.startsWith('required: ') ? ` (${message.slice('required: '.length)})` : '';
  return `Missing required ${place} ${field}${what}; add it.`;
}

/**
 * Turns a failed zod validation into a `MadmixError`: 422 naming the field for
 * bodies and queries, 404 for path parameters (a malformed id names nothing).
 */
export function validationError(error: ZodError, target: string): MadmixError {
  const issue = error.issues[0];
  const field = fieldName(issue.path);
  const places: Record<string, string> = { query: 'query parameter', param: 'path parameter' };
  const place = places[target] ?? 'field';
  const message = isMissing(issue) ? missingMessage(place, field, issue.message) : `Invalid ${place} ${field}: ${issue.message}.`;
  const details = { field, target, issues: error.issues.map((i) => ({ path: fieldName(i.path), message: i.message })) };
  if (target === 'param') return new MadmixError('not_found', message, details);
  if (issue.code === 'unrecognized_keys') {
    return new MadmixError('unknown_parameter', message, details);
  }
  return new MadmixError('invalid_parameter', message, details);
}

/** `defaultHook` of the OpenAPI app: throws so that `onError` writes every error the same way. */
export const validationHook = (result: { success: boolean; error?: ZodError; target: string }): void => {
  if (!result.success && result.error) throw validationError(result.error, result.target);
};
