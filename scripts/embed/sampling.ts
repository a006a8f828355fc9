import { createHash } from 'node:crypto';
import { MadmixError } from '../../src/core/errors.js';

/** Mulberry32: a small seeded PRNG, enough for reproducible shuffles (not for cryptography). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives a 32-bit seed from the run seed and names, so each dataset gets its own stream. */
export function deriveSeed(seed: number, ...names: string[]): number {
  const digest = createHash('sha256').update([String(seed), ...names].join('\0')).digest();
  return digest.readUInt32LE(0);
}

/**
 * Picks `count` elements with a seeded Fisher-Yates shuffle. The input order
 * must itself be deterministic (discovery sorts by key), so the same seed picks
 * the same samples on every machine.
 */
export function sampleSeeded<T>(items: readonly T[], count: number, seed: number): T[] {
  const copy = items.slice();
  const random = mulberry32(seed);
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, Math.min(count, copy.length));
}

export interface Shard {
  index: number;
  count: number;
}

/** Tests whether a sampled item belongs to the shard: every `count`-th item, starting at `index`. */
export function inShard(position: number, shard: Shard): boolean {
  return position % shard.count === shard.index;
}

function parseNonNegative(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new MadmixError('invalid_parameter', `${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Resolves the shard from flags, else from a SLURM job array
 * (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN), else from
 * a Kubernetes indexed Job (JOB_COMPLETION_INDEX with the count from the flag or
 * MADMIX_SHARD_COUNT), else a single shard.
 */
export function resolveShard(
  flags: { index?: string; count?: string },
  env: Record<string, string | undefined> = process.env,
): Shard & { source: string } {
  let index: number | undefined;
  let count: number | undefined;
  let source = 'default';
  if (flags.count !== undefined) count = parseNonNegative('--shard-count', flags.count);
  if (flags.index !== undefined) {
    index = parseNonNegative('--shard-index', flags.index);
    source = 'flags';
  } else if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : parseNonNegative('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN);
    index = parseNonNegative('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID) - min;
    if (count === undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
      count = parseNonNegative('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT);
    }
    source = 'slurm';
  } else if (env.JOB_COMPLETION_INDEX !== undefined) {
    index = parseNonNegative('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX);
    if (count === undefined && env.MADMIX_SHARD_COUNT !== undefined) {
      count = parseNonNegative('MADMIX_SHARD_COUNT', env.MADMIX_SHARD_COUNT);
    }
    source = 'kubernetes';
  }
  index ??= 0;
  count ??= index === 0 && source === 'default' ? 1 : undefined;
  if (count === undefined) {
    throw new MadmixError('invalid_parameter', 
      `the shard count is missing for shard index ${index} (from ${source}): pass --shard-count N or set MADMIX_SHARD_COUNT`,
    );
  }
  if (count < 1 || index >= count) {
    throw new MadmixError('invalid_parameter', `shard index ${index} is out of range for shard count ${count}: use 0 <= index < count`);
  }
  return { index, count, source };
}
