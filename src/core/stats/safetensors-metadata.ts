import { show } from '../errors.js';
import { checkKeys, isObject, readMeta, readObject, readSizes, readString, type Fail, type Sizes } from './fields.js';
import { STATS_SAFETENSORS_FORMAT } from './safetensors-write.js';

/** The decoded `__metadata__` of a madmix safetensors file. */
export interface FileMetadata {
  domains: string[];
  /** Modality order and encoder; absent when the file has no `modalities` key. */
  modalities?: Record<string, { model?: string; layer?: string }>;
  /** One entry per domain, empty objects where a domain has no sizes. */
  sizes: Sizes[];
  meta?: Record<string, string>;
}

const METADATA_KEYS = ['format', 'domains', 'modalities', 'sizes', 'meta'];

/**
 * Reads `__metadata__`: a JSON object of strings, several of which are
 * themselves JSON texts (`domains`, `modalities`, `sizes`, `meta`).
 */
export function readMetadata(value: unknown, fail: Fail): FileMetadata {
  if (value === undefined) {
    fail(`header has no __metadata__; add it with "format": "${STATS_SAFETENSORS_FORMAT}" and "domains"`);
  }
  const metadata = readObject(value, '__metadata__', fail);
  checkKeys(metadata, METADATA_KEYS, '__metadata__', (message) =>
    fail(`${message}; put other provenance into "meta"`),
  );
  for (const [key, item] of Object.entries(metadata)) {
    readString(item, `__metadata__.${key}`, fail);
  }
  if (metadata.format !== STATS_SAFETENSORS_FORMAT) {
    fail(`__metadata__.format is ${show(metadata.format)}; set it to "${STATS_SAFETENSORS_FORMAT}"`);
  }
  if (metadata.domains === undefined) {
    fail('__metadata__.domains is missing; set it to a JSON array of the domain names, in row order');
  }

  const domainsValue = parseMetadataJson(metadata.domains as string, 'domains', fail);
  if (!Array.isArray(domainsValue) || !domainsValue.every((name) => typeof name === 'string')) {
    fail(`__metadata__.domains is ${show(domainsValue)}; it must be a JSON array of strings`);
  }
  const domains = domainsValue as string[];
  const result: FileMetadata = { domains, sizes: domains.map(() => ({})) };

  if (metadata.modalities !== undefined) {
    result.modalities = readModalities(parseMetadataJson(metadata.modalities as string, 'modalities', fail), fail);
  }
  if (metadata.sizes !== undefined) {
    result.sizes = readSizeList(parseMetadataJson(metadata.sizes as string, 'sizes', fail), domains.length, fail);
  }
  if (metadata.meta !== undefined) {
    result.meta = readMeta(parseMetadataJson(metadata.meta as string, 'meta', fail), '__metadata__.meta', fail);
  }
  return result;
}

function parseMetadataJson(text: string, key: string, fail: Fail): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(
      `__metadata__.${key} ${show(text)} is not valid JSON (${(error as Error).message}); ` +
        'encode the value with a JSON encoder before storing it as a string',
    );
  }
}

function readModalities(value: unknown, fail: Fail): FileMetadata['modalities'] {
  const object = readObject(value, '__metadata__.modalities', fail);
  const modalities: NonNullable<FileMetadata['modalities']> = {};
  for (const [name, entry] of Object.entries(object)) {
    const field = `__metadata__.modalities.${name}`;
    const info = readObject(entry, field, fail);
    checkKeys(info, ['model', 'layer'], field, fail);
    modalities[name] = {};
    if (info.model !== undefined) modalities[name].model = readString(info.model, `${field}.model`, fail);
    if (info.layer !== undefined) modalities[name].layer = readString(info.layer, `${field}.layer`, fail);
  }
  return modalities;
}

function readSizeList(value: unknown, domainCount: number, fail: Fail): Sizes[] {
  if (!Array.isArray(value) || value.length !== domainCount) {
    fail(`__metadata__.sizes is ${show(value)}; it must be a JSON array with one entry per domain (${domainCount})`);
  }
  return value.map((entry, index) => {
    const field = `__metadata__.sizes[${index}]`;
    if (entry === null) return {};
    if (!isObject(entry)) fail(`${field} is ${show(entry)}; it must be an object or null`);
    checkKeys(entry, ['samples', 'tokens', 'datasets'], field, fail);
    return readSizes(entry, field, fail);
  });
}
