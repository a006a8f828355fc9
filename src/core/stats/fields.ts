import { show } from '../errors.js';
import type { DatasetSize } from './types.js';

/** Throws the parser's error (its code differs between JSON and safetensors input). */
export type Fail = (message: string) => never;

export type JsonObject = Record<string, unknown>;

export interface Sizes {
  samples?: number;
  tokens?: number;
  datasets?: DatasetSize[];
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readObject(value: unknown, field: string, fail: Fail): JsonObject {
  if (!isObject(value)) fail(`${field} is ${show(value)}; it must be a JSON object`);
  return value;
}

export function readArray(value: unknown, field: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${field} is ${show(value)}; it must be a JSON array`);
  return value;
}

export function readString(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== 'string') fail(`${field} is ${show(value)}; it must be a string`);
  return value;
}

export function readNumber(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number') fail(`${field} is ${show(value)}; it must be a number`);
  return value;
}

/** Rejects keys outside `allowed`, so that a misspelled key fails instead of being dropped. */
export function checkKeys(object: JsonObject, allowed: readonly string[], field: string, fail: Fail): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      fail(`${field} has the unknown key ${show(key)}; allowed keys are ${allowed.join(', ')}`);
    }
  }
}

/**
 * Reads a JSON array of numbers into a Float64Array. JSON has no NaN or
 * Infinity, and `JSON.stringify` writes them as null, so null gets its own message.
 */
export function readVector(value: unknown, field: string, fail: Fail): Float64Array {
  const values = readArray(value, field, fail);
  const vector = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const item = values[i];
    if (item === null) {
      fail(`${field}[${i}] is null, which is how JSON writers store NaN or Infinity; re-run the embedding for this domain`);
    }
    if (typeof item !== 'number') fail(`${field}[${i}] is ${show(item)}; it must be a number`);
    vector[i] = item;
  }
  return vector;
}

/** Reads optional `samples`, `tokens` and `datasets` of a domain. */
export function readSizes(object: JsonObject, field: string, fail: Fail): Sizes {
  const sizes: Sizes = {};
  if (object.samples !== undefined) sizes.samples = readNumber(object.samples, `${field}.samples`, fail);
  if (object.tokens !== undefined) sizes.tokens = readNumber(object.tokens, `${field}.tokens`, fail);
  if (object.datasets !== undefined) {
    const list = readArray(object.datasets, `${field}.datasets`, fail);
    sizes.datasets = list.map((item, index) => readDataset(item, `${field}.datasets[${index}]`, fail));
  }
  return sizes;
}

function readDataset(value: unknown, field: string, fail: Fail): DatasetSize {
  const object = readObject(value, field, fail);
  checkKeys(object, ['name', 'samples', 'tokens'], field, fail);
  const dataset: DatasetSize = { name: readString(object.name, `${field}.name`, fail) };
  if (object.samples !== undefined) dataset.samples = readNumber(object.samples, `${field}.samples`, fail);
  if (object.tokens !== undefined) dataset.tokens = readNumber(object.tokens, `${field}.tokens`, fail);
  return dataset;
}

export function readMeta(value: unknown, field: string, fail: Fail): Record<string, string> {
  const object = readObject(value, field, fail);
  const meta: Record<string, string> = {};
  for (const [key, item] of Object.entries(object)) {
    meta[key] = readString(item, `${field}.${key}`, fail);
  }
  return meta;
}

/** Copies the sizes present on `source`, in the canonical key order samples, tokens, datasets. */
export function pickSizes(source: Sizes): Sizes {
  const sizes: Sizes = {};
  if (source.samples !== undefined) sizes.samples = source.samples;
  if (source.tokens !== undefined) sizes.tokens = source.tokens;
  if (source.datasets !== undefined) sizes.datasets = source.datasets.map(copyDataset);
  return sizes;
}

export function copyDataset(dataset: DatasetSize): DatasetSize {
  const copy: DatasetSize = { name: dataset.name };
  if (dataset.samples !== undefined) copy.samples = dataset.samples;
  if (dataset.tokens !== undefined) copy.tokens = dataset.tokens;
  return copy;
}

/** Returns meta with keys sorted, or undefined when it is absent or empty, so both encode alike. */
export function canonicalMeta(meta: Record<string, string> | undefined): Record<string, string> | undefined {
  if (meta === undefined) return undefined;
  const keys = Object.keys(meta).sort(compareCodePoints);
  if (keys.length === 0) return undefined;
  const sorted: Record<string, string> = {};
  for (const key of keys) sorted[key] = meta[key];
  return sorted;
}

/** Orders strings by Unicode code point, as Python's `sorted` does (UTF-16 order differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const difference = left[i].codePointAt(0)! - right[i].codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
