import { MadmixError, show } from '../errors.js';
import { checkKeys, compareCodePoints, readObject, type JsonObject } from './fields.js';
import { readMetadata, type FileMetadata } from './safetensors-metadata.js';
import { STATS_SAFETENSORS_FORMAT, statsToSafetensors } from './safetensors-write.js';
import type { DomainStats, ModalityInfo, StatsSet } from './types.js';
import { validateStats } from './validate.js';

export { STATS_SAFETENSORS_FORMAT, statsToSafetensors };

function fail(message: string): never {
  throw new MadmixError('invalid_safetensors', message);
}

/** Byte size of every dtype the safetensors format defines; only some are accepted below. */
const DTYPE_SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};
const SUM_DTYPES = ['F64', 'F32'];
const COUNT_DTYPES = ['I64', 'I32', 'U32', 'F64'];
const TENSOR_NAME = /^(sum|count)\.(.+)$/s;

interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Decodes a madmix safetensors file (layout in docs/statistics-format.md).
 * Sums may be F64 or F32; counts I64, I32, U32 or integer-valued F64.
 * Throws `invalid_safetensors` for any inconsistency between the header,
 * the metadata and the data (naming the tensor or key, the value and the
 * fix), and `invalid_stats` or `duplicate_domain` when the decoded set fails
 * `validateStats` with `minDomains: 0`.
 */
export function parseSafetensors(bytes: Uint8Array): StatsSet {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, dataStart } = readHeader(bytes, view);
  const metadata = readMetadata(header.__metadata__, fail);
  const tensors = readTensorEntries(header, bytes.length - dataStart);
  const k = metadata.domains.length;
  const modalities = pairTensors(tensors, metadata, k);

  const domains: DomainStats[] = metadata.domains.map((name, row) => ({
    name,
    stats: {},
    ...metadata.sizes[row],
  }));
  for (const { info, sum, count } of modalities) {
    const counts = readCounts(view, dataStart, count);
    readSums(view, dataStart, sum, info.dim, counts, domains);
  }
  const set: StatsSet = { modalities: modalities.map((entry) => entry.info), domains };
  if (metadata.meta) set.meta = metadata.meta;
  validateStats(set, { minDomains: 0 });
  return set;
}

function readHeader(bytes: Uint8Array, view: DataView): { header: JsonObject; dataStart: number } {
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length; the statistics file is truncated, so use the complete file`);
  }
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(
      `header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it; ` +
        'the statistics file is truncated or not safetensors, so use the complete file',
    );
  }
  const dataStart = 8 + Number(headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    fail('header is not valid UTF-8; write the header with a JSON encoder');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message}); write the header with a JSON encoder`);
  }
  return { header: readObject(header, 'header', fail), dataStart };
}

function readTensorEntries(header: JsonObject, dataLength: number): TensorEntry[] {
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const field = `tensor ${show(name)}`;
    const object = readObject(value, field, fail);
    checkKeys(object, ['dtype', 'shape', 'data_offsets'], field, fail);
    const dtype = object.dtype;
    if (typeof dtype !== 'string' || DTYPE_SIZES[dtype] === undefined) {
      fail(`${field} has unknown dtype ${show(dtype)}; safetensors dtypes are ${Object.keys(DTYPE_SIZES).join(', ')}`);
    }
    const shape = readIntegers(object.shape, `${field} shape`);
    const offsets = readIntegers(object.data_offsets, `${field} data_offsets`);
    if (offsets.length !== 2 || offsets[0] > offsets[1] || offsets[1] > dataLength) {
      fail(
        `${field} has data_offsets ${show(offsets)} outside the ${dataLength}-byte data region; ` +
          'offsets must be [begin, end] with begin <= end <= data length',
      );
    }
    const [begin, end] = offsets;
    const elements = shape.reduce((product, size) => product * size, 1);
    if (elements * DTYPE_SIZES[dtype] !== end - begin) {
      fail(
        `${field} has shape ${show(shape)} and dtype ${dtype}, which is ${elements * DTYPE_SIZES[dtype]} bytes, ` +
          `but data_offsets span ${end - begin} bytes; write offsets that match shape x dtype size`,
      );
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  checkCoverage(entries, dataLength);
  return entries;
}

function readIntegers(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || !value.every((item) => Number.isSafeInteger(item) && item >= 0)) {
    fail(`${field} is ${show(value)}; it must be an array of non-negative integers below 2^53`);
  }
  return value as number[];
}

/** Rejects overlapping tensors, gaps and trailing bytes, because safetensors requires the data region to be covered exactly once. */
function checkCoverage(entries: TensorEntry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: TensorEntry | undefined;
  for (const entry of sorted) {
    if (entry.begin < position) {
      fail(
        `tensor ${show(entry.name)} data_offsets [${entry.begin}, ${entry.end}] overlap tensor ${show(previous!.name)} ` +
          `[${previous!.begin}, ${previous!.end}]; give every tensor its own byte range`,
      );
    }
    if (entry.begin > position) {
      fail(`bytes ${position} to ${entry.begin} of the data region belong to no tensor; remove the gap`);
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataLength) {
    fail(`data region has ${dataLength - position} extra bytes after the last tensor; remove them or fix data_offsets`);
  }
}

interface ModalityTensors {
  info: ModalityInfo;
  sum: TensorEntry;
  count: TensorEntry;
}

function pairTensors(entries: TensorEntry[], metadata: FileMetadata, k: number): ModalityTensors[] {
  const byModality = new Map<string, { sum?: TensorEntry; count?: TensorEntry }>();
  for (const entry of entries) {
    const match = TENSOR_NAME.exec(entry.name);
    if (!match) {
      fail(`tensor ${show(entry.name)} is not a madmix tensor; name tensors sum.<modality> and count.<modality>`);
    }
    const pair = byModality.get(match[2]) ?? {};
    pair[match[1] as 'sum' | 'count'] = entry;
    byModality.set(match[2], pair);
  }

  const names = metadata.modalities ? Object.keys(metadata.modalities) : [...byModality.keys()].sort(compareCodePoints);
  for (const name of byModality.keys()) {
    if (!names.includes(name)) {
      fail(`tensors of modality ${show(name)} are missing from the "modalities" metadata; add "${name}": {} to it`);
    }
  }
  return names.map((name) => {
    const pair = byModality.get(name);
    if (!pair?.sum || !pair.count) {
      const missing = !pair?.sum ? `sum.${name}` : `count.${name}`;
      fail(`tensor ${show(missing)} is missing; every modality needs both sum.${name} and count.${name}`);
    }
    checkShapes(pair.sum, pair.count, k);
    const info: ModalityInfo = { name, dim: pair.sum.shape[1], ...metadata.modalities?.[name] };
    return { info, sum: pair.sum, count: pair.count };
  });
}

function checkShapes(sum: TensorEntry, count: TensorEntry, k: number): void {
  if (!SUM_DTYPES.includes(sum.dtype)) {
    fail(`tensor ${show(sum.name)} has dtype ${sum.dtype}; write sums as F64 (or F32)`);
  }
  if (!COUNT_DTYPES.includes(count.dtype)) {
    fail(`tensor ${show(count.name)} has dtype ${count.dtype}; write counts as I64 (or I32, U32, integer F64)`);
  }
  if (sum.shape.length !== 2 || sum.shape[0] !== k || sum.shape[1] < 1) {
    fail(`tensor ${show(sum.name)} has shape ${show(sum.shape)}; it must be [${k}, dim] with one row per domain and dim >= 1`);
  }
  if (count.shape.length !== 1 || count.shape[0] !== k) {
    fail(`tensor ${show(count.name)} has shape ${show(count.shape)}; it must be [${k}], one count per domain`);
  }
}

function readCounts(view: DataView, dataStart: number, tensor: TensorEntry): number[] {
  const counts: number[] = [];
  const base = dataStart + tensor.begin;
  for (let row = 0; row < tensor.shape[0]; row++) {
    let value: number;
    if (tensor.dtype === 'I64') {
      const big = view.getBigInt64(base + row * 8, true);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        fail(`tensor ${show(tensor.name)} row ${row} is ${big}, above 2^53 - 1; split the statistics into smaller sets`);
      }
      value = Number(big);
    } else if (tensor.dtype === 'I32') value = view.getInt32(base + row * 4, true);
    else if (tensor.dtype === 'U32') value = view.getUint32(base + row * 4, true);
    else value = view.getFloat64(base + row * 8, true);
    if (!Number.isSafeInteger(value) || value < 0) {
      fail(`tensor ${show(tensor.name)} row ${row} is ${show(value)}; counts must be integers from 0 to 2^53 - 1`);
    }
    counts.push(value);
  }
  return counts;
}

function readSums(
  view: DataView,
  dataStart: number,
  tensor: TensorEntry,
  dim: number,
  counts: number[],
  domains: DomainStats[],
): void {
  const modality = tensor.name.slice('sum.'.length);
  const width = tensor.dtype === 'F64' ? 8 : 4;
  const base = dataStart + tensor.begin;
  domains.forEach((domain, row) => {
    const sum = new Float64Array(dim);
    const rowStart = base + row * dim * width;
    for (let j = 0; j < dim; j++) {
      const offset = rowStart + j * width;
      sum[j] = width === 8 ? view.getFloat64(offset, true) : view.getFloat32(offset, true);
      if (!Number.isFinite(sum[j])) {
        fail(
          `tensor ${show(tensor.name)} row ${row} (domain ${show(domain.name)}) column ${j} is ${show(sum[j])}; ` +
            'sums must be finite, so re-run the embedding for this domain',
        );
      }
    }
    if (counts[row] > 0) {
      domain.stats[modality] = { count: counts[row], sum };
    } else if (sum.some((value) => value !== 0)) {
      fail(
        `tensor count.${modality} row ${row} (domain ${show(domain.name)}) is 0 but sum.${modality} row ${row} is not all zeros; ` +
          'write the count of embedded samples, or zeros for a domain without this modality',
      );
    }
  });
}
