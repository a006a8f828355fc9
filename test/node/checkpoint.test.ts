import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import { loadCheckpoint } from '../../scripts/embed/checkpoint.js';

function checkpointFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'madmix-checkpoint-')), 'shard-0-of-1.checkpoint.json');
  writeFileSync(path, content);
  return path;
}

describe('loadCheckpoint', () => {
  it('checkpoint: damaged JSON is a user error', () => {
    const path = checkpointFile('{"format": "madmix.embed-checkpoint", "sums": [1, 2');
    let caught: unknown;
    try {
      loadCheckpoint(path, 'fingerprint', 4);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MadmixError);
    expect((caught as MadmixError).code).toBe('invalid_parameter');
    expect((caught as MadmixError).message).toContain(path);
    expect((caught as MadmixError).message).toContain('--restart');
  });

  it('checkpoint: JSON null is not a checkpoint', () => {
    expect(() => loadCheckpoint(checkpointFile('null'), 'fingerprint', 4)).toThrow(/is not an embedding checkpoint/);
  });

  it('checkpoint: missing file returns undefined', () => {
    expect(loadCheckpoint(join(tmpdir(), 'madmix-no-such-dir', 'x.json'), 'fingerprint', 4)).toBeUndefined();
  });
});
