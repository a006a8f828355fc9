import type { Env } from './types.js';

export type Role = 'read' | 'write';

/** Hono environment of the app: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Role of the bearer token, when the request carried a valid one. */
    role?: Role;
    /** Set by the not-found handler so the 404 is logged only if no 405 replaces it. */
    unmatched?: boolean;
  };
}
