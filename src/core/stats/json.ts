import { MadmixError, show } from '../errors.js';
import {
  canonicalMeta,
  checkKeys,
  isObject,
  pickSizes,
  readArray,
  readMeta,
  readNumber,
  readObject,
  readSizes,
  readString,
  readVector,
  type JsonObject,
} from './fields.js';
import { findDuplicateKey, findExcessNesting, locateJsonError, MAX_JSON_DEPTH } from './json-syntax.js';
import type { DomainStats, ModalityInfo, StatsSet } from './types.js';
import { rejectPrototypeName, validateStats } from './validate.js';

/** Value of `format` in the JSON stats form. */
export const STATS_JSON_FORMAT = 'madmix.stats';
export const STATS_JSON_VERSION = 1;

function fail(message: string): never {
  throw new MadmixError('invalid_stats', message);
}

/**
 * Parses statistics from JSON text, in the stats form (`format: "madmix.stats"`)
 * or the centroids form (`domains[].embeddings`, each embedding read as count 1).
 * Throws `invalid_json` for a syntax error (with line and column) and
 * `invalid_stats` for a wrong structure or a set that fails `validateStats`
 * with `minDomains: 0`.
 */
export function parseStatsJson(text: string): StatsSet {
  const root = readObject(parseJsonText(text), 'the JSON document', fail);
  rejectDuplicateKeys(text, 'the statistics JSON');
  const set = isCentroidsForm(root) ? parseCentroidsForm(root) : parseStatsForm(root);
  validateStats(set, { minDomains: 0 });
  return set;
}

/** Parses JSON text, turning a syntax error into `invalid_json` with its line and column. */
export function parseJsonText(text: string): unknown {
  rejectDeepNesting(text, 'the statistics text');
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const location = locateJsonError(text);
    const where = location
      ? ` at line ${location.line}, column ${location.column} (offset ${location.offset}): expected ${location.expected}`
      : '';
    throw new MadmixError(
      'invalid_json',
      `the statistics text is not valid JSON${where}; fix the syntax there (parser said: ${error.message})`,
      location ? { line: location.line, column: location.column, offset: location.offset } : undefined,
    );
  }
}

/** Throws `invalid_json` when `text` nests objects or arrays deeper than `MAX_JSON_DEPTH`. */
export function rejectDeepNesting(text: string, subject: string): void {
  const offset = findExcessNesting(text);
  if (offset < 0) return;
  throw new MadmixError(
    'invalid_json',
    `${subject} nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep (at offset ${offset}); statistics and requests need only a few levels, so flatten the document`,
    { offset, maxDepth: MAX_JSON_DEPTH },
  );
}

/** Throws `invalid_json` when one object of `text` has the same key twice, since JSON readers keep only one value. */
export function rejectDuplicateKeys(text: string, subject: string): void {
  const duplicate = findDuplicateKey(text);
  if (!duplicate) return;
  throw new MadmixError(
    'invalid_json',
    `${subject} has the key ${show(duplicate.key)} twice in one object (again at line ${duplicate.line}, column ${duplicate.column}); ` +
      'JSON readers keep only one of the two values, so merge them into one key or remove one',
    { key: duplicate.key, line: duplicate.line, column: duplicate.column, offset: duplicate.offset },
  );
}

function isCentroidsForm(root: JsonObject): boolean {
  if (root.format !== undefined) return false;
  return Array.isArray(root.domains) && root.domains.some((domain) => isObject(domain) && 'embeddings' in domain);
}

function parseStatsForm(root: JsonObject): StatsSet {
  checkKeys(root, ['format', 'version', 'modalities', 'domains', 'meta'], 'the stats JSON', fail);
  if (root.format !== undefined && root.format !== STATS_JSON_FORMAT) {
    fail(`format is ${show(root.format)}; statistics JSON must have format "${STATS_JSON_FORMAT}"`);
  }
  if (root.version !== undefined && root.version !== STATS_JSON_VERSION) {
    fail(`version is ${show(root.version)}; this madmix reads version ${STATS_JSON_VERSION} of the stats JSON`);
  }
  if (root.modalities === undefined || root.domains === undefined) {
    fail(
      'statistics JSON needs "modalities" and "domains" (stats form) or "domains[].embeddings" (centroids form); ' +
        'see docs/statistics-format.md',
    );
  }
  const modalities = readModalityObject(root.modalities);
  const domains = readArray(root.domains, 'domains', fail).map((value, index) => readStatsDomain(value, index));
  const set: StatsSet = { modalities, domains };
  if (root.meta !== undefined) set.meta = readMeta(root.meta, 'meta', fail);
  return set;
}

function readModalityObject(value: unknown): ModalityInfo[] {
  const object = readObject(value, 'modalities', fail);
  return Object.entries(object).map(([name, info]) => {
    const field = `modalities.${name}`;
    const entry = readObject(info, field, fail);
    checkKeys(entry, ['dim', 'model', 'layer'], field, fail);
    const modality: ModalityInfo = { name, dim: readNumber(entry.dim, `${field}.dim`, fail) };
    if (entry.model !== undefined) modality.model = readString(entry.model, `${field}.model`, fail);
    if (entry.layer !== undefined) modality.layer = readString(entry.layer, `${field}.layer`, fail);
    return modality;
  });
}

function readStatsDomain(value: unknown, index: number): DomainStats {
  const field = `domains[${index}]`;
  const object = readObject(value, field, fail);
  checkKeys(object, ['name', 'samples', 'tokens', 'datasets', 'stats'], field, fail);
  const name = readString(object.name, `${field}.name`, fail);
  const statsObject = readObject(object.stats, `${field}.stats`, fail);
  const stats: DomainStats['stats'] = {};
  for (const [modality, entry] of Object.entries(statsObject)) {
    rejectPrototypeName(modality, `${field}.stats key`);
    const entryField = `${field}.stats.${modality}`;
    const pair = readObject(entry, entryField, fail);
    checkKeys(pair, ['count', 'sum'], entryField, fail);
    stats[modality] = {
      count: readNumber(pair.count, `${entryField}.count`, fail),
      sum: readVector(pair.sum, `${entryField}.sum`, fail),
    };
  }
  return { name, stats, ...readSizes(object, field, fail) };
}

function parseCentroidsForm(root: JsonObject): StatsSet {
  const declared =
    root.modalities === undefined
      ? undefined
      : readArray(root.modalities, 'modalities', fail).map((item, index) => {
          const name = readString(item, `modalities[${index}]`, fail);
          rejectPrototypeName(name, `modalities[${index}]`);
          return name;
        });
  const domains = readArray(root.domains, 'domains', fail).map((value, index) =>
    readCentroidsDomain(value, index, declared),
  );
  const names = declared ?? firstSeenModalities(domains);
  const modalities = names.map((name) => ({ name, dim: centroidsDim(root.dim, name, domains) }));
  const set: StatsSet = { modalities, domains };
  if (typeof root.name === 'string') set.meta = { name: root.name };
  return set;
}

function readCentroidsDomain(value: unknown, index: number, declared: string[] | undefined): DomainStats {
  const field = `domains[${index}]`;
  const object = readObject(value, field, fail);
  const name = readString(object.name, `${field}.name`, fail);
  const embeddings = readObject(object.embeddings, `${field}.embeddings`, fail);
  const stats: DomainStats['stats'] = {};
  for (const [modality, embedding] of Object.entries(embeddings)) {
    rejectPrototypeName(modality, `${field}.embeddings key`);
    if (declared && !declared.includes(modality)) {
      fail(`${field}.embeddings has modality ${show(modality)}, which "modalities" does not list; add it to that list`);
    }
    stats[modality] = { count: 1, sum: readVector(embedding, `${field}.embeddings.${modality}`, fail) };
  }
  return { name, stats, ...readSizes(object, field, fail) };
}

function firstSeenModalities(domains: DomainStats[]): string[] {
  const names: string[] = [];
  for (const domain of domains) {
    for (const name of Object.keys(domain.stats)) if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Returns the modality's dim from the file's `dim` (a number or an object per modality), else the first embedding's length. */
function centroidsDim(dim: unknown, name: string, domains: DomainStats[]): number {
  if (typeof dim === 'number') return dim;
  if (isObject(dim) && dim[name] !== undefined) return readNumber(dim[name], `dim.${name}`, fail);
  if (dim !== undefined && !isObject(dim)) fail(`dim is ${show(dim)}; it must be a number or an object of numbers`);
  const first = domains.find((domain) => domain.stats[name] !== undefined);
  if (!first) fail(`modality ${show(name)} is listed but no domain has an embedding for it; remove it or add "dim"`);
  return first.stats[name].sum.length;
}

/**
 * Writes the canonical stats-form JSON: modalities and domains in set order,
 * meta keys sorted, one domain per line. Sums keep every float64 bit (`-0`
 * included), so parsing the text gives back the same set.
 */
export function statsToJson(set: StatsSet): string {
  validateStats(set, { minDomains: 0 });
  const modalities: Record<string, { dim: number; model?: string; layer?: string }> = {};
  for (const modality of set.modalities) {
    modalities[modality.name] = { dim: modality.dim };
    if (modality.model !== undefined) modalities[modality.name].model = modality.model;
    if (modality.layer !== undefined) modalities[modality.name].layer = modality.layer;
  }
  const lines = [
    '{',
    `  "format": ${JSON.stringify(STATS_JSON_FORMAT)},`,
    `  "version": ${STATS_JSON_VERSION},`,
    `  "modalities": ${JSON.stringify(modalities)},`,
  ];
  const domainLines = set.domains.map((domain) => `    ${domainToJson(domain, set.modalities)}`);
  const meta = canonicalMeta(set.meta);
  lines.push(domainLines.length === 0 ? '  "domains": []' : `  "domains": [\n${domainLines.join(',\n')}\n  ]`);
  if (meta) lines[lines.length - 1] += `,\n  "meta": ${JSON.stringify(meta)}`;
  lines.push('}');
  return lines.join('\n') + '\n';
}

function domainToJson(domain: DomainStats, modalities: ModalityInfo[]): string {
  const head = JSON.stringify({ name: domain.name, ...pickSizes(domain) });
  const stats = modalities
    .filter((modality) => domain.stats[modality.name] !== undefined)
    .map((modality) => {
      const { count, sum } = domain.stats[modality.name];
      return `${JSON.stringify(modality.name)}:{"count":${count},"sum":${formatVector(sum)}}`;
    });
  return `${head.slice(0, -1)},"stats":{${stats.join(',')}}}`;
}

/**
 * Formats finite float64 values as the shortest JSON numbers that parse back
 * to the same bits. `JSON.stringify` of the whole array is faster than a
 * per-number `String`, but it writes -0 as 0, so a vector containing -0
 * takes the per-number path.
 */
function formatVector(sum: Float64Array): string {
  const values = Array.from(sum);
  if (!values.some((value) => Object.is(value, -0))) return JSON.stringify(values);
  return `[${values.map((value) => (Object.is(value, -0) ? '-0' : String(value))).join(',')}]`;
}
