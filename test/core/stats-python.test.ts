import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors, statsToSafetensors } from '../../src/core/stats/index.js';

const ROOT = join(__dirname, '../..');
const SCRIPT = join(ROOT, 'scripts/examples/write_stats.py');
const DOC = join(ROOT, 'docs/statistics-format.md');

function pythonWithNumpy(): boolean {
  const result = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  return result.status === 0;
}

const hasNumpy = pythonWithNumpy();
const directory = mkdtempSync(join(tmpdir(), 'madmix-stats-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('python writer example', () => {
  it('docs: python block matches scripts/examples/write_stats.py', () => {
    const block = /```python\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'));
    expect(block, 'docs/statistics-format.md has no python code block').not.toBeNull();
    expect(block![1]).toBe(readFileSync(SCRIPT, 'utf8'));
  });

  const name = hasNumpy ? 'python: numpy-written file parses' : 'python: skipped, python3 with numpy not found';
  it.skipIf(!hasNumpy)(name, () => {
    const path = join(directory, 'stats.safetensors');
    execFileSync('python3', [SCRIPT, path], { timeout: 60_000 });
    const bytes = new Uint8Array(readFileSync(path));
    const set = parseSafetensors(bytes);

    expect(set.domains.map((domain) => domain.name)).toEqual(['charts', 'docs', 'language']);
    expect(set.modalities).toEqual([
      { name: 'image', dim: 8, model: 'demo-encoder', layer: 'pooled' },
      { name: 'text', dim: 8 },
    ]);
    expect(Object.keys(set.domains[2].stats)).toEqual(['text']);
    expect(set.domains[0].stats.image.count).toBe(100);
    expect(set.domains[0].samples).toBe(5000);
    expect(set.domains[2].tokens).toBe(900000);
    expect(set.meta).toEqual({ seed: '0' });
    // With ASCII names the example writes the canonical encoding, byte for byte.
    expect(statsToSafetensors(set)).toEqual(bytes);
  });
});
