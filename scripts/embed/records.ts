/** Reading of JSONL records and checks of their fixed schemas, for manifests and .jsonl files in domain folders. */
import { readFileSync } from 'node:fs';
import { MadmixError, show } from '../../src/core/errors.js';

/** Reads an input file. A missing or unreadable file is a usage error that names the path. */
export function readInputFile(file: string, label: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new MadmixError('not_found', `cannot read ${label} ${file} (${code}); check the path`, { file });
  }
}

/** Calls `visit` with each non-blank line of a JSONL file, parsed as an object, and its 1-based line number. */
export function readJsonLines(file: string, label: string, visit: (record: Record<string, unknown>, line: number) => void): void {
  const lines = readInputFile(file, label).split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new MadmixError('invalid_json', `${file}:${index + 1} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new MadmixError('invalid_json', `${file}:${index + 1} must be a JSON object, got ${show(record)}`);
    }
    visit(record as Record<string, unknown>, index + 1);
  });
}

/** Keys a manifest record may have. */
export const MANIFEST_KEYS = ['domain', 'dataset', 'text', 'image', 'video'];
/** Keys a .jsonl record inside a domain folder may have. */
export const JSONL_KEYS = ['text', 'image', 'video'];

/** Rejects keys outside a fixed schema, so a typo such as `txt` does not silently drop a field. */
export function rejectUnknownKeys(record: Record<string, unknown>, valid: string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (valid.includes(key)) continue;
    throw new MadmixError('invalid_parameter', `${where}: unknown key ${show(key)}; valid keys are ${valid.join(', ')}`);
  }
}

/** Rejects a record with none of text, image and video, which would otherwise be skipped silently. */
export function requireContent(record: Record<string, unknown>, where: string): void {
  if (['text', 'image', 'video'].some((key) => record[key] !== undefined && record[key] !== null)) return;
  throw new MadmixError('invalid_parameter', `${where}: the record has no text, image or video; add one of them or remove the line`);
}

export function optionalString(record: Record<string, unknown>, field: string, where: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new MadmixError('invalid_parameter', `${where}: field ${field} must be a string, got ${show(value)}`);
  }
  return value;
}
