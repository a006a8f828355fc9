import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

const READ_METHODS = ['GET', 'HEAD'];

/**
 * CORS for reads only: GET and HEAD responses (errors included) allow any
 * origin, and a preflight gets a 204 only when it requests GET or HEAD.
 * Writes get no CORS headers, so browsers on other origins cannot send them.
 */
export const readCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method;
  if (method === 'OPTIONS' && c.req.header('origin')) {
    const requested = (c.req.header('access-control-request-method') ?? '').toUpperCase();
    if (READ_METHODS.includes(requested)) {
      return c.body(null, 204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD',
        'access-control-allow-headers': 'authorization',
        'access-control-max-age': '86400',
      });
    }
  }
  if (READ_METHODS.includes(method)) {
    c.header('access-control-allow-origin', '*');
    c.header('access-control-expose-headers', 'x-request-id, x-madmix-cache');
  }
  await next();
};
