/** An R2 bucket wrapper for tests that fails or slows chosen operations. */

export type BucketOp = 'head' | 'get' | 'put' | 'delete' | 'list';

export interface FaultPlan {
  /** Operations that throw, like R2 does on an internal error; a function decides per key. */
  fail?: Partial<Record<BucketOp, boolean | ((key: string) => boolean)>>;
  /** Milliseconds to wait before each call of the operation. */
  delayMs?: Partial<Record<BucketOp, number>>;
  /** A put that writes the object and then throws, as when the reply to a committed write is lost. */
  putCommitsThenFails?: boolean;
  /** Calls seen, in order, as `op key`. */
  calls?: string[];
}

/** Error of the shape R2 throws: the operation, a message and a numeric code. */
export function r2Error(op: BucketOp): Error {
  return new Error(`${op}: We encountered an internal error. Please try again. (10001)`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function faultyBucket(bucket: R2Bucket, plan: FaultPlan): R2Bucket {
  const step = async (op: BucketOp, key: string): Promise<void> => {
    plan.calls?.push(`${op} ${key}`);
    const delay = plan.delayMs?.[op];
    if (delay) await sleep(delay);
    const rule = plan.fail?.[op];
    if (rule === true || (typeof rule === 'function' && rule(key))) throw r2Error(op);
  };
  return {
    head: async (key: string) => (await step('head', key), bucket.head(key)),
    get: async (key: string, options?: R2GetOptions) => (await step('get', key), bucket.get(key, options)),
    put: async (key: string, value: Parameters<R2Bucket['put']>[1], options?: R2PutOptions) => {
      if (plan.putCommitsThenFails) {
        await bucket.put(key, value, options);
        plan.calls?.push(`put ${key} (committed)`);
        throw r2Error('put');
      }
      await step('put', key);
      return bucket.put(key, value, options);
    },
    delete: async (keys: string | string[]) => (await step('delete', String(keys)), bucket.delete(keys)),
    list: async (options?: R2ListOptions) => (await step('list', options?.prefix ?? ''), bucket.list(options)),
  } as unknown as R2Bucket;
}
