import type { MiddlewareHandler } from 'hono';
import { MadmixError } from '../core/errors.js';
import { tokenRole } from './auth.js';
import type { AppEnv } from './env.js';

/** Period of the `MIXTURE_LIMITER` binding in wrangler.toml, in seconds; sent as the retry hint. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/**
 * Limits public computing routes per client IP (`CF-Connecting-IP`, else one
 * shared "anonymous" key). Requests with a valid bearer token skip the limit,
 * and an invalid token is rejected with 401 rather than treated as anonymous.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const role = await tokenRole(c);
  if (role) {
    c.set('role', role);
    return next();
  }
  const limiter = c.env.MIXTURE_LIMITER;
  if (limiter) {
    const key = c.req.header('cf-connecting-ip') || 'anonymous';
    const { success } = await limiter.limit({ key });
    if (!success) {
      throw new MadmixError(
        'rate_limited',
        `Too many requests from this client; retry after ${RATE_LIMIT_PERIOD_SECONDS} seconds, or send a bearer token.`,
        { retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS },
      );
    }
  }
  await next();
};
