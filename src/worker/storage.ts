import type { MiddlewareHandler } from 'hono';
import { MadmixError } from '../core/errors.js';
import type { AppEnv } from './env.js';
import { logLine } from './log.js';

/** Replaces the R2 binding, for fault-injection tests only. */
export type StorageFaultHook = (bucket: R2Bucket) => R2Bucket;

let faultHook: StorageFaultHook | undefined;

/**
 * Test-only: installs (or, with undefined, removes) a hook that wraps the R2
 * binding of each request. It takes effect only while the Worker's
 * ENVIRONMENT is "test", so a deployed Worker ignores it, and only code in the
 * same isolate can call it.
 */
export function setStorageFaultsForTest(hook: StorageFaultHook | undefined): void {
  faultHook = hook;
}

const RETRY_SECONDS = 5;

function unavailable(op: string, err: unknown, requestId: string | undefined): MadmixError {
  const detail = err instanceof Error ? err.message : String(err);
  logLine('error', 'Storage operation failed', { requestId, op, detail: detail.slice(0, 300) });
  return new MadmixError('storage_unavailable', `Storage is unavailable because the R2 ${op} call failed. Retry the request in a few seconds (uploads and mixtures are idempotent).`, {
    operation: op,
    retryAfterSeconds: RETRY_SECONDS,
  });
}

/** Wraps the R2 calls of `bucket` so that a failure becomes 503 `storage_unavailable` instead of an anonymous 500. */
export function guardBucket(bucket: R2Bucket, requestId?: string): R2Bucket {
  const guard =
    <A extends unknown[], R>(op: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (err) {
        if (err instanceof MadmixError) throw err;
        throw unavailable(op, err, requestId);
      }
    };
  return {
    head: guard('head', (key: string) => bucket.head(key)),
    get: guard('get', (key: string, options?: R2GetOptions) => bucket.get(key, options)),
    put: guard('put', (key: string, value: Parameters<R2Bucket['put']>[1], options?: R2PutOptions) => bucket.put(key, value, options)),
    delete: guard('delete', (keys: string | string[]) => bucket.delete(keys)),
    list: guard('list', (options?: R2ListOptions) => bucket.list(options)),
    createMultipartUpload: guard('createMultipartUpload', (key: string, options?: R2MultipartOptions) =>
      bucket.createMultipartUpload(key, options),
    ),
    resumeMultipartUpload: (key: string, uploadId: string) => bucket.resumeMultipartUpload(key, uploadId),
  } as R2Bucket;
}

/** Replaces `c.env.STATS` with the guarded bucket for every route, wrapped by the test hook first when one is set in a test environment. */
export const storageGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const raw = faultHook && c.env.ENVIRONMENT === 'test' ? faultHook(c.env.STATS) : c.env.STATS;
  // Defines the property instead of assigning it, because an inherited setter on the bindings would change them for later requests.
  c.env = Object.create(c.env, { STATS: { value: guardBucket(raw, c.get('requestId')), enumerable: true } }) as AppEnv['Bindings'];
  await next();
};
