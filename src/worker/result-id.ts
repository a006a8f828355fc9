import { sha256Hex } from './store.js';

/** Serializes JSON with object keys sorted at every level, so equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareCodeUnits(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Orders strings by UTF-16 code units, independent of locale. */
function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Result id: the first 32 hex characters (128 bits) of sha256 over the canonical request. */
export async function resultId(request: Record<string, unknown>): Promise<string> {
  return (await sha256Hex(canonicalJson(request))).slice(0, 32);
}
