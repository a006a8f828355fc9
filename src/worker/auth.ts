import type { Context, MiddlewareHandler } from 'hono';
import { MadmixError } from '../core/errors.js';
import type { AppEnv, Role } from './env.js';
import { logLine } from './log.js';

interface TokenEntry {
  digest: Uint8Array;
  role: Role;
}

let parsedFrom: string | undefined;
let parsedEntries: TokenEntry[] = [];

/** Parses `TOKEN_HASHES` (`sha256hex:role,...`) once per value; malformed entries are skipped and logged. */
function tokenEntries(config: string | undefined): TokenEntry[] {
  const text = config ?? '';
  if (text === parsedFrom) return parsedEntries;
  const entries: TokenEntry[] = [];
  text.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    if (!entry) return;
    const match = /^([0-9a-fA-F]{64}):(read|write)$/.exec(entry);
    if (!match) {
      // The entry is a hash, not a token, but log only its position to keep the log free of credentials.
      logLine('error', 'Ignoring malformed TOKEN_HASHES entry; expected <sha256 hex>:<read|write>', { entry: index });
      return;
    }
    entries.push({ digest: hexToBytes(match[1].toLowerCase()), role: match[2] as Role });
  });
  parsedFrom = text;
  parsedEntries = entries;
  return entries;
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Compares two 32-byte digests in time independent of where they differ. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Returns the role of the request's bearer token, or undefined when there is
 * no Authorization header. Throws 401 for a malformed header or an unknown token.
 */
export async function tokenRole(c: Context<AppEnv>): Promise<Role | undefined> {
  const header = c.req.header('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!match) {
    throw new MadmixError('unauthorized', 'Malformed Authorization header; send `Authorization: Bearer <token>`.');
  }
  const role = await roleOfToken(c.env.TOKEN_HASHES, match[1]);
  if (!role) throw new MadmixError('unauthorized', 'Invalid bearer token; check the token or ask the operator for one.');
  return role;
}

/** Returns the role that `TOKEN_HASHES` (`config`) gives `token`, or undefined when no entry matches. */
export async function roleOfToken(config: string | undefined, token: string): Promise<Role | undefined> {
  const presented = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  let role: Role | undefined;
  // Every entry is compared, so the time taken does not reveal which one matched.
  for (const entry of tokenEntries(config)) {
    if (digestsEqual(presented, entry.digest) && role !== 'write') role = entry.role;
  }
  return role;
}

/** Requires a valid bearer token with `role` (a write token also reads). */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actual = await tokenRole(c);
    if (!actual) {
      throw new MadmixError('unauthorized', 'Missing bearer token; send `Authorization: Bearer <token>`.');
    }
    if (role === 'write' && actual !== 'write') {
      throw new MadmixError('forbidden', 'This token is read-only; this request needs a token with role write.');
    }
    c.set('role', actual);
    await next();
  };
}
