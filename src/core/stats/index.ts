import { MadmixError } from '../errors.js';
import { parseStatsJson } from './json.js';
import { parseSafetensors } from './safetensors.js';
import type { StatsSet } from './types.js';

export type * from './types.js';
export { parseStatsJson, statsToJson, parseJsonText, STATS_JSON_FORMAT, STATS_JSON_VERSION } from './json.js';
export { parseSafetensors, statsToSafetensors, STATS_SAFETENSORS_FORMAT } from './safetensors.js';
export { validateStats, MAX_NAME_LENGTH, type ValidateOptions } from './validate.js';
export { mergeStats, replaceDomain, dropDomain } from './merge.js';
export { hashStats, centroid } from './hash.js';
export { summarizeStats, type StatsSummary, type DomainSummary } from './summary.js';

/**
 * Parses statistics from request bytes. A content type naming `json` or
 * `safetensors` decides the format. Otherwise the bytes decide: JSON text
 * starts (after optional whitespace or a BOM) with `{`, and everything else
 * is read as safetensors. A safetensors file whose u64 header length happens
 * to start with the byte `{` is recognized because that length fits the file
 * and byte 8 opens the header, which printable JSON text never matches.
 */
export function parseStats(bytes: Uint8Array, contentType?: string): StatsSet {
  const type = contentType?.toLowerCase() ?? '';
  if (type.includes('safetensors')) return parseSafetensors(bytes);
  if (type.includes('json') || (startsLikeJson(bytes) && !looksLikeSafetensors(bytes))) {
    return parseStatsJson(decodeUtf8(bytes));
  }
  // Under 9 bytes a file is too short to tell, so the safetensors parser reports it as truncated.
  if (!type && bytes.length >= 9 && !looksLikeSafetensors(bytes)) {
    const fix = 'a statistics JSON file starts with "{", and a safetensors file with an 8-byte size field and then "{"; pass a file written by madmix or by the embed script';
    throw new MadmixError('invalid_stats', `The input is neither statistics JSON nor safetensors: ${fix}.`, { reason: 'unknown_format', fix });
  }
  return parseSafetensors(bytes);
}

const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

function startsLikeJson(bytes: Uint8Array): boolean {
  let position = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (position < bytes.length && JSON_WHITESPACE.has(bytes[position])) position++;
  return bytes[position] === 0x7b;
}

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9 || bytes[8] !== 0x7b) return false;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return headerLength <= BigInt(bytes.length - 8);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MadmixError('invalid_json', 'the statistics text is not valid UTF-8; write statistics as UTF-8 JSON or as safetensors');
  }
}
