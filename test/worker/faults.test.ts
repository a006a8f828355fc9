import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { setStorageFaultsForTest } from '../../src/worker/storage.js';
import { faultyBucket, type FaultPlan } from '../helpers/fuzz/faulty-bucket.js';
import { bearer, errorOf, fetchApi, postJson, tinyStats, upload, WRITE_TOKEN } from './helpers.js';

function inject(plan: FaultPlan): FaultPlan {
  plan.calls ??= [];
  setStorageFaultsForTest((bucket) => faultyBucket(bucket, plan));
  return plan;
}

afterEach(() => setStorageFaultsForTest(undefined));

async function keys(prefix = ''): Promise<string[]> {
  return (await env.STATS.list({ prefix })).objects.map((o) => o.key);
}

describe('faults: probe', () => {
  it('faults: hook reaches the worker', async () => {
    const plan = inject({ fail: { put: true } });
    const res = await postJson('/v1/stats', tinyStats(), bearer(WRITE_TOKEN));
    console.log(res.status, await res.text(), plan.calls);
  });
});
