import type { Context, MiddlewareHandler } from 'hono';
import { MadmixError, show } from '../core/errors.js';
import { rejectDeepNesting, rejectDuplicateKeys } from '../core/stats/json.js';
import { locateJsonError } from '../core/stats/json-syntax.js';
import type { AppEnv } from './env.js';
import { MIB } from './limits.js';

/** Returns the lower-case media type of the request, without parameters ("" when absent). */
export function mediaType(c: Context<AppEnv>): string {
  return (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function formatBytes(bytes: number): string {
  return bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / 1024} KiB`;
}

function tooLarge(limit: number, hint: string): MadmixError {
  return new MadmixError('payload_too_large', `Request body exceeds the limit of ${formatBytes(limit)}; ${hint}.`, {
    limitBytes: limit,
  });
}

/**
 * Reads the request body, stopping as soon as it passes `limit` bytes, so an
 * oversized body is rejected without being held in memory.
 */
export async function readBody(c: Context<AppEnv>, limit: number, hint: string): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, hint);
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await readChunk(reader);
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge(limit, hint);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads one chunk; a body the client cut off is 400 `incomplete_body`, not a server error. */
async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>): Promise<ReadableStreamReadResult<Uint8Array<ArrayBuffer>>> {
  try {
    return await reader.read();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new MadmixError('incomplete_body', `The request body ended early (${reason.slice(0, 120)}); send the whole body again.`);
  }
}

/** Parses JSON text, turning a syntax error into 400 `invalid_json`. */
export function parseJson(text: string): unknown {
  rejectDeepNesting(text, 'Request body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // The scanner names the line, the column and what was expected there, NaN and Infinity included.
    const at = locateJsonError(text);
    const reason = err instanceof Error ? err.message : String(err);
    const where = at ? ` at line ${at.line}, column ${at.column}: expected ${at.expected}` : ` (${reason})`;
    throw new MadmixError('invalid_json', `Request body is not valid JSON${where}; send a JSON object.`, at ? { line: at.line, column: at.column } : undefined);
  }
  rejectDuplicateKeys(text, 'Request body');
  return value;
}

export function isJsonMediaType(type: string): boolean {
  return /^application\/([\w.-]+\+)?json$/.test(type);
}

/**
 * Route middleware for JSON bodies: checks the media type (415), the size
 * (413) and the syntax (400), then leaves the text in Hono's body cache for
 * the zod validator that runs next.
 */
export function jsonBody(limit: number, hint: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = mediaType(c);
    if (!isJsonMediaType(type)) {
      throw new MadmixError(
        'unsupported_media_type',
        `Unsupported Content-Type ${show(type || 'none')}; send the body as application/json.`,
        { contentType: type },
      );
    }
    const text = new TextDecoder().decode(await readBody(c, limit, hint));
    const value = parseJson(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MadmixError('invalid_json', `Request body is ${show(value)}, not a JSON object; send a JSON object.`);
    }
    // Hono's body cache stores promises at run time, although its type declares strings.
    c.req.bodyCache.text = Promise.resolve(text) as never;
    await next();
  };
}
