import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MadmixError } from '../../src/core/errors.js';
import { Accumulator } from './accumulator.js';
import type { Shard } from './sampling.js';

const FORMAT = 'madmix.embed-checkpoint';

/** Partial state of one shard: which of its items are done and their sums. */
export interface Checkpoint {
  fingerprint: string;
  /** Positions in the shard's item list that are embedded and summed. */
  done: Set<number>;
  accumulator: Accumulator;
  /** Texts that had no known word, so they added nothing to the text sums. */
  textsWithoutVectors: number;
}

export function checkpointPath(stateDir: string, shard: Shard): string {
  return join(stateDir, `shard-${shard.index}-of-${shard.count}.checkpoint.json`);
}

/** Packs done positions into a base64 bitset, so a checkpoint of a million items stays small. */
function packDone(done: Set<number>, total: number): string {
  const bits = new Uint8Array(Math.ceil(total / 8));
  for (const position of done) bits[position >> 3] |= 1 << (position & 7);
  return Buffer.from(bits).toString('base64');
}

function unpackDone(packed: string, total: number): Set<number> {
  const bits = Buffer.from(packed, 'base64');
  const done = new Set<number>();
  for (let position = 0; position < total; position++) {
    if (bits[position >> 3] & (1 << (position & 7))) done.add(position);
  }
  return done;
}

/**
 * Writes the checkpoint to a temporary file, flushes it to disk and renames
 * it over the old one, so a kill at any moment leaves either the old or the
 * new checkpoint, never a torn one.
 */
export function saveCheckpoint(path: string, checkpoint: Checkpoint, total: number): void {
  const body = JSON.stringify({
    format: FORMAT,
    version: 1,
    fingerprint: checkpoint.fingerprint,
    total,
    done: packDone(checkpoint.done, total),
    exact: checkpoint.accumulator.exact,
    textsWithoutVectors: checkpoint.textsWithoutVectors,
    sums: checkpoint.accumulator.toJSON(),
  });
  mkdirSync(join(path, '..'), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** Reads a checkpoint, or returns undefined when there is none. */
export function loadCheckpoint(path: string, fingerprint: string, total: number): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const data = parseCheckpointText(path, text);
  if (data.format !== FORMAT || data.version !== 1) {
    throw new MadmixError('invalid_parameter', `${path} is not an embedding checkpoint; remove it or use another --state-dir`);
  }
  if (data.fingerprint !== fingerprint || data.total !== total) {
    throw new MadmixError(
      'conflict',
      `checkpoint ${path} belongs to a run with other inputs or flags; rerun with the same inputs, seed, samples, ` +
        'shard, batch size, frames and models, or pass --restart to discard it',
    );
  }
  return {
    fingerprint,
    done: unpackDone(data.done, total),
    accumulator: Accumulator.fromJSON(data.sums, data.exact),
    textsWithoutVectors: data.textsWithoutVectors,
  };
}

/** Parses checkpoint text, so a damaged file is a user error that names the file and the fix, not an internal error. */
function parseCheckpointText(path: string, text: string): Record<string, any> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new MadmixError(
      'invalid_parameter',
      `checkpoint ${path} is not valid JSON (${(error as Error).message}); pass --restart to discard it, or remove the file`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new MadmixError('invalid_parameter', `${path} is not an embedding checkpoint; remove it or use another --state-dir`);
  }
  return data as Record<string, any>;
}
