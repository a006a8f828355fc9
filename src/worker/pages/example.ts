/**
 * Finds the example statistics set for the landing page by reading only R2:
 * safetensors headers of stored sets, and the custom metadata of results.
 */
import type { Env } from '../types.js';

/** Largest safetensors header the landing page reads, in bytes. */
const MAX_HEADER_BYTES = 1024 * 1024;
/** Newest sets whose headers are read while looking for `meta.example = "true"`. */
const MAX_SETS_READ = 10;

/** The fields of a listed R2 object that this file reads. */
interface ListedObject {
  key: string;
  uploaded: Date;
  customMetadata?: Record<string, string>;
}

export interface ExampleSet {
  id: string;
  domains: { name: string; samples?: number; tokens?: number }[];
  modalities: string[];
  meta: Record<string, string>;
  /** Newest stored result computed on this set, if any. */
  resultId?: string;
}

const parseJson = (text: string | undefined): unknown => {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Reads the `__metadata__` of a stored safetensors set without its tensors. */
async function readHeader(env: Env, key: string): Promise<Record<string, string> | undefined> {
  const prefix = await env.STATS.get(key, { range: { offset: 0, length: 8 } });
  if (!prefix) return undefined;
  const length = Number(new DataView(await prefix.arrayBuffer()).getBigUint64(0, true));
  if (length <= 0 || length > MAX_HEADER_BYTES) return undefined;
  const object = await env.STATS.get(key, { range: { offset: 8, length } });
  const header = parseJson(await object?.text()) as { __metadata__?: Record<string, string> } | undefined;
  return header?.__metadata__;
}

function toExample(id: string, metadata: Record<string, string>): ExampleSet {
  const names = (parseJson(metadata.domains) as string[] | undefined) ?? [];
  const sizes = (parseJson(metadata.sizes) as { samples?: number; tokens?: number }[] | undefined) ?? [];
  const modalities = Object.keys((parseJson(metadata.modalities) as Record<string, unknown> | undefined) ?? {});
  const meta = (parseJson(metadata.meta) as Record<string, string> | undefined) ?? {};
  return { id, domains: names.map((name, i) => ({ name, ...sizes[i] })), modalities, meta };
}

/**
 * Returns the newest set marked `example`, else the first set listed, else undefined.
 * NOTE: only the first 1000 keys of `stats/` (in key order) are considered, and one
 * request reads up to 2 x MAX_SETS_READ ranges. That is fine for a handful of sets.
 */
export async function findExample(env: Env): Promise<ExampleSet | undefined> {
  const listed = await env.STATS.list({ prefix: 'stats/', limit: 1000 });
  const sets = (listed.objects as ListedObject[]).filter((o) => /^stats\/[0-9a-f]{64}\.safetensors$/.test(o.key));
  if (sets.length === 0) return undefined;
  const idOf = (key: string) => key.slice('stats/'.length, -'.safetensors'.length);
  const newest = [...sets].sort((a, b) => b.uploaded.getTime() - a.uploaded.getTime()).slice(0, MAX_SETS_READ);
  let example: ExampleSet | undefined;
  for (const object of newest) {
    const metadata = await readHeader(env, object.key);
    if (metadata && (parseJson(metadata.meta) as Record<string, string> | undefined)?.example === 'true') {
      example = toExample(idOf(object.key), metadata);
      break;
    }
  }
  if (!example) {
    const metadata = await readHeader(env, sets[0].key);
    if (!metadata) return undefined;
    example = toExample(idOf(sets[0].key), metadata);
  }
  example.resultId = await findResultFor(env, example.id);
  return example;
}

/** A stored result computed on a set, as listed in R2. */
export interface ResultRef {
  id: string;
  kind: string;
  uploaded: Date;
}

/**
 * Returns up to `limit` stored results on set `statsId`, read from the results'
 * custom metadata: mixtures before comparisons, newest first within each kind.
 * NOTE: only the first 1000 keys of `results/` (in key order) are considered.
 */
export async function findResultsFor(env: Env, statsId: string, limit = 10): Promise<ResultRef[]> {
  const listed = await env.STATS.list({ prefix: 'results/', limit: 1000, include: ['customMetadata'] });
  const matches = (listed.objects as ListedObject[])
    .filter((o) => o.customMetadata?.statsId === statsId)
    .sort((a, b) => Number(b.customMetadata?.kind === 'mixture') - Number(a.customMetadata?.kind === 'mixture') || b.uploaded.getTime() - a.uploaded.getTime());
  return matches.slice(0, limit).flatMap((o) => {
    const id = /^results\/([0-9a-f]{32})\.json$/.exec(o.key)?.[1];
    return id ? [{ id, kind: o.customMetadata?.kind ?? 'mixture', uploaded: o.uploaded }] : [];
  });
}

/** Id of the newest mixture on set `statsId`, else of its newest comparison. */
async function findResultFor(env: Env, statsId: string): Promise<string | undefined> {
  return (await findResultsFor(env, statsId, 1))[0]?.id;
}
