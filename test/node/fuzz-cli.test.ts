import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseStatsJson, statsToSafetensors } from '../../src/core/stats/index.js';
import { main } from '../../scripts/cli/main.js';
import { discoverInputs } from '../../scripts/embed/inputs.js';
import { decodeImage, decodeVideo } from '../../scripts/embed/media.js';
import { Rng } from '../helpers/fuzz/rng.js';
import { mutateSafetensors, mutateStatsJson, validStatsJson } from '../helpers/fuzz/stats-mutations.js';
import { brokenJson } from '../helpers/fuzz/values.js';

const dir = mkdtempSync(join(tmpdir(), 'madmix-fuzz-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES = 300;

/** Writes `FILES` broken statistics files: a third broken JSON, a third mutated stats JSON, a third mutated safetensors. */
function writeFiles(seed: number): string[] {
  const rng = new Rng(seed);
  const base = validStatsJson(4, 3);
  const safetensors = statsToSafetensors(parseStatsJson(JSON.stringify(base)));
  return Array.from({ length: FILES }, (_, i) => {
    const kind = i % 3;
    const path = join(dir, `f${i}${kind === 2 ? '.safetensors' : '.json'}`);
    const body = kind === 0 ? brokenJson(rng, JSON.stringify(base)) : kind === 1 ? mutateStatsJson(rng, base) : mutateSafetensors(rng, safetensors);
    writeFileSync(path, body);
    return path;
  });
}

/** Runs the CLI in-process and captures what it writes. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(argv), stderr };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

describe('fuzz-cli: broken statistics files', () => {
  it(`fuzz-cli: ${FILES} broken files exit cleanly`, async () => {
    const counts: Record<number, number> = {};
    const problems: string[] = [];
    for (const [i, file] of writeFiles(7).entries()) {
      const method = ['madmix', 'chameleon', 'uniform', 'proportional'][i % 4];
      const { code, stderr } = await run(['mix', file, '--backend', i % 5 === 0 ? 'wasm' : 'js', '--method', method, ...(method === 'chameleon' ? ['--modality', 'image'] : [])]);
      counts[code] = (counts[code] ?? 0) + 1;
      const message = stderr.split('\n').filter((l) => l.startsWith('madmix: '));
      if (code === 2 && (message.length !== 1 || /\n\s+at /.test(stderr))) problems.push(`${file}: ${stderr.slice(0, 200)}`);
      if (code !== 0 && code !== 2) problems.push(`${file}: exit ${code}: ${stderr.slice(0, 300)}`);
    }
    console.log(JSON.stringify({ fuzzCli: { files: FILES, exitCodes: counts } }));
    expect(problems).toEqual([]);
    expect(counts[2]).toBeGreaterThan(FILES / 2);
  });

  it('fuzz-cli: missing, empty, directory and binary files exit 2 naming the file', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '');
    const binary = join(dir, 'noise.bin');
    writeFileSync(binary, Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    for (const file of [join(dir, 'missing.json'), empty, dir, binary]) {
      const { code, stderr } = await run(['mix', file]);
      expect(code, file).toBe(2);
      expect(stderr, file).toMatch(/^madmix: /);
      expect(stderr, file).not.toMatch(/\n\s+at /);
    }
  });
});

describe('fuzz-cli: unreadable media and manifests in the batch embedding script', () => {
  const geometry = { resize: 32, crop: 32 };
  const media = (name: string, bytes: Uint8Array | string): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1]);

  it('embed: corrupt, truncated, empty and missing images fail naming the file', async () => {
    const files = [
      media('truncated.png', png),
      media('empty.jpg', new Uint8Array(0)),
      media('noise.jpeg', Uint8Array.from({ length: 2048 }, (_, i) => (i * 31) % 256)),
      media('broken.svg', '<svg xmlns="http://www.w3.org/2000/svg"><circle r="'),
      join(dir, 'absent.png'),
    ];
    for (const file of files) {
      const error = await decodeImage(file, geometry).then(() => undefined, (e: Error) => e);
      expect(error, file).toBeInstanceOf(Error);
      expect(error!.message, file).toContain(file);
    }
  });

  it('embed: a corrupt video fails naming the file', async () => {
    const file = media('broken.mp4', Uint8Array.from({ length: 4096 }, (_, i) => (i * 13) % 256));
    const error = await decodeVideo(file, geometry, 4).then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain(file);
  });

  it('embed: broken manifests fail naming the file and line', () => {
    const cases: [string, string][] = [
      ['{"domain": "a", "text": "x"}\n{"domain": "b", "text": ', ':2'],
      ['[1, 2]\n', ':1'],
      ['{"text": "no domain"}\n', ':1'],
      ['{"domain": 5, "text": "x"}\n', ':1'],
    ];
    for (const [i, [text, line]] of cases.entries()) {
      const file = media(`manifest-${i}.jsonl`, text);
      expect(() => discoverInputs({ manifests: [file] }), text).toThrow(file + line);
    }
    expect(() => discoverInputs({ manifests: [join(dir, 'absent.jsonl')] })).toThrow('absent.jsonl');
  });
});
