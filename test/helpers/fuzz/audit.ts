import { parseSafetensors, validateStats } from '../../../src/core/stats/index.js';
import { StoredResultBody } from '../../../src/worker/schemas.js';

/** The documented R2 key scheme (src/worker/types.ts and src/worker/jobs/types.ts). */
export const KEY_SCHEME = [
  /^stats\/[0-9a-f]{64}\.safetensors$/,
  /^results\/[0-9a-f]{32}\.json$/,
  /^jobs\/[0-9a-f]{32}\/shards\/(0|[1-9]\d{0,3})\.safetensors$/,
];

const StoredResultShape = StoredResultBody.omit({ url: true }).strict();

export interface AuditReport {
  keys: string[];
  problems: string[];
}

async function allKeys(bucket: R2Bucket): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ cursor, limit: 1000 });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

function checkWeights(key: string, results: unknown[], problems: string[]): void {
  for (const result of results as { weights?: Record<string, number> }[]) {
    const weights = Object.values(result.weights ?? {});
    const total = weights.reduce((a, b) => a + b, 0);
    if (!weights.every((w) => Number.isFinite(w) && w >= 0) || Math.abs(total - 1) > 1e-9) {
      problems.push(`${key}: weights ${JSON.stringify(result.weights)} are not a distribution`);
    }
  }
}

/**
 * Checks that R2 contains only keys of the scheme, that every stats object
 * parses and validates, that every result is a StoredResult whose stored
 * statistics still exist, and that nothing else is left behind.
 */
export async function auditBucket(bucket: R2Bucket): Promise<AuditReport> {
  const keys = await allKeys(bucket);
  const problems: string[] = [];
  const stats = new Set(keys.filter((k) => k.startsWith('stats/')).map((k) => k.slice(6, 70)));
  for (const key of keys) {
    if (!KEY_SCHEME.some((re) => re.test(key))) {
      problems.push(`unexpected key ${JSON.stringify(key)}`);
      continue;
    }
    const object = await bucket.get(key);
    if (!object) continue;
    if (key.endsWith('.safetensors')) {
      try {
        validateStats(parseSafetensors(new Uint8Array(await object.arrayBuffer())), { minDomains: key.startsWith('jobs/') ? 0 : 1 });
      } catch (err) {
        problems.push(`${key}: ${(err as Error).message}`);
      }
      continue;
    }
    try {
      const parsed = StoredResultShape.parse(JSON.parse(await object.text()));
      if (parsed.statsStored && !stats.has(parsed.statsId)) problems.push(`${key}: points at missing stats ${parsed.statsId}`);
      if (`results/${parsed.id}.json` !== key) problems.push(`${key}: holds id ${parsed.id}`);
      checkWeights(key, parsed.results, problems);
    } catch (err) {
      problems.push(`${key}: ${(err as Error).message.slice(0, 200)}`);
    }
  }
  return { keys, problems };
}
