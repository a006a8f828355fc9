import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeStats, parseStatsJson, type StatsSet } from '../../src/core/stats/index.js';
import { main, parseCli } from '../../scripts/embed/cli.js';
import { discoverInputs } from '../../scripts/embed/inputs.js';
import { decodeVideo } from '../../scripts/embed/media.js';
import { runEmbedding } from '../../scripts/embed/pipeline.js';
import { resolveShard } from '../../scripts/embed/sampling.js';
import { hasFfmpeg, writeCorpus, writeModels } from './helpers/embed-fixtures.js';

const CLI = join(import.meta.dirname, '../../scripts/embed/cli.ts');

function capture(): { io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stream = (append: (text: string) => void) => ({ write: (text: string) => (append(text), true) }) as unknown as NodeJS.WritableStream;
  return { io: { stdout: stream((t) => (out += t)), stderr: stream((t) => (err += t)) }, out: () => out, err: () => err };
}

function domain(set: StatsSet, name: string) {
  const found = set.domains.find((entry) => entry.name === name);
  expect(found, `domain ${name}`).toBeDefined();
  return found!;
}

describe('shard resolution', () => {
  it('resolveShard: flags win over the environment', () => {
    expect(resolveShard({ index: '2', count: '4' }, { SLURM_ARRAY_TASK_ID: '1' })).toMatchObject({ index: 2, count: 4, source: 'flags' });
  });

  it('resolveShard: SLURM array task id minus its minimum', () => {
    const env = { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_COUNT: '4' };
    expect(resolveShard({}, env)).toMatchObject({ index: 2, count: 4, source: 'slurm' });
  });

  it('resolveShard: Kubernetes completion index needs a count', () => {
    expect(resolveShard({}, { JOB_COMPLETION_INDEX: '1', MADMIX_SHARD_COUNT: '3' })).toMatchObject({ index: 1, count: 3, source: 'kubernetes' });
    expect(() => resolveShard({}, { JOB_COMPLETION_INDEX: '1' })).toThrow(/shard count is missing/);
  });

  it('resolveShard: index out of range is rejected', () => {
    expect(() => resolveShard({ index: '3', count: '3' }, {})).toThrow(/out of range/);
  });
});

// The media tests decode with Debian's ffmpeg and rsvg-convert (apt-get install ffmpeg librsvg2-bin); without them they are skipped.
describe.skipIf(!hasFfmpeg)('batch embedding', () => {
  let dir: string;
  let models: { image: string; text: string };
  let corpus: ReturnType<typeof writeCorpus>;
  let allInputs: string[];

  const run = async (argv: string[]) => {
    const { options } = parseCli([...argv, '--image-model', models.image, '--text-model', models.text, '--no-progress'], {});
    return runEmbedding(options);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'madmix-embed-test-'));
    models = writeModels(join(dir, 'models'));
    corpus = writeCorpus(dir);
    allInputs = ['--domain', corpus.shapes, '--domain', corpus.clips, '--manifest', corpus.manifest, '--llava', `notes/llava=${corpus.llava}`];
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('folder domains: counts, sizes and modality info', async () => {
    const { set } = await run(['--domain', corpus.shapes, '--domain', corpus.clips, '--samples', '4', '--seed', '1', '--batch-size', '3', '--frames', '4']);
    const shapes = domain(set, 'shapes');
    expect(shapes.samples).toBe(9);
    expect(shapes.datasets).toEqual([{ name: 'circles', samples: 3 }, { name: 'squares', samples: 6 }]);
    expect(shapes.stats.image.count).toBe(7);
    expect(shapes.stats.text.count).toBe(4);
    const clips = domain(set, 'clips');
    expect(clips.stats.video.count).toBe(1);
    expect(clips.stats.text.count).toBe(1);
    expect(set.modalities).toContainEqual({ name: 'video', dim: 4, model: 'tiny-conv-gap', layer: 'emb, mean of 4 frames' });
    expect(set.modalities).toContainEqual({ name: 'image', dim: 4, model: 'tiny-conv-gap', layer: 'emb' });
    expect(set.meta?.shard).toBe('0/1');
  });

  it('manifest and LLaVA inputs: texts and images', async () => {
    const inputs = discoverInputs({ llava: [`notes/llava=${corpus.llava}`] });
    expect(inputs[0].datasets[0].items.map((item) => item.text)).toEqual(['What is it?\nA blue square.', 'Name a color.\nRed.']);

    const { set } = await run(['--manifest', corpus.manifest, '--llava', `notes/llava=${corpus.llava}`]);
    const notes = domain(set, 'notes');
    expect(notes.samples).toBe(5);
    expect(notes.datasets).toEqual([{ name: 'colors', samples: 2 }, { name: 'llava', samples: 2 }, { name: 'mixed', samples: 1 }]);
    expect(notes.stats.image.count).toBe(2);
    expect(notes.stats.text.count).toBe(5);
    // Means of the known words' vectors, summed by hand; every value is a multiple of 2^-4, so equality is exact.
    expect(Array.from(notes.stats.text.sum)).toEqual([1.875, 1.25, 1.875, 2.1875]);
  });

  it('sharding: merged shards equal the unsharded run bitwise', async () => {
    const whole = (await run([...allInputs, '--batch-size', '4'])).set;
    let merged: StatsSet | undefined;
    for (let index = 0; index < 3; index++) {
      const shard = (await run([...allInputs, '--batch-size', '4', '--shard-index', String(index), '--shard-count', '3'])).set;
      merged = merged ? mergeStats(merged, shard) : shard;
    }
    expect(merged!.domains.map((entry) => entry.name).sort()).toEqual(whole.domains.map((entry) => entry.name).sort());
    for (const expected of whole.domains) {
      const actual = domain(merged!, expected.name);
      expect(actual.samples, expected.name).toBe(expected.samples);
      expect(actual.datasets, expected.name).toEqual(expected.datasets);
      for (const [modality, stats] of Object.entries(expected.stats)) {
        expect(actual.stats[modality].count, `${expected.name} ${modality}`).toBe(stats.count);
        expect(Array.from(actual.stats[modality].sum), `${expected.name} ${modality}`).toEqual(Array.from(stats.sum));
      }
    }
  });

  it('resume: SIGKILL then rerun equals an uninterrupted run', () => {
    const common = [CLI, ...allInputs, '--image-model', models.image, '--text-model', models.text, '--batch-size', '2', '--checkpoint-every', '2', '--no-progress'];
    const node = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

    const reference = node([...common, '--out', join(dir, 'reference.json')]);
    expect(reference.status, reference.stderr).toBe(0);

    const state = join(dir, 'state');
    const out = join(dir, 'resumed.json');
    const killed = node([...common, '--state-dir', state, '--out', out], { MADMIX_EMBED_KILL_AFTER_BATCHES: '3' });
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(state, 'shard-0-of-1.checkpoint.json'))).toBe(true);

    const resumed = node([...common, '--state-dir', state, '--out', out]);
    expect(resumed.status, resumed.stderr).toBe(0);
    // Checkpoints came after batches 2 (4 items); batch 3 was lost in the kill and is embedded again, once.
    expect(resumed.stderr).toMatch(/\(4 from checkpoint\)/);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'reference.json'), 'utf8'));
    const sha = readFileSync(`${out}.sha256`, 'utf8');
    expect(sha).toMatch(/^[0-9a-f]{64} {2}resumed\.json\n$/);
    expect(parseStatsJson(readFileSync(out, 'utf8')).domains.length).toBe(3);
  });

  it('domain folder: jsonl records and loose files', () => {
    const folder = join(dir, 'mixed-domain');
    mkdirSync(join(folder, 'lines'), { recursive: true });
    writeFileSync(join(folder, 'lines', 'part.jsonl'), `${JSON.stringify({ text: 'red' })}\n\n${JSON.stringify({ text: 'blue', image: '../loose.png' })}\n`);
    writeFileSync(join(folder, 'loose.txt'), 'green');
    const [parsed] = discoverInputs({ domainDirs: [folder] });
    expect(parsed.name).toBe('mixed-domain');
    expect(parsed.datasets.map((dataset) => dataset.name)).toEqual(['lines', 'mixed-domain']);
    expect(parsed.datasets[0].items.map((item) => item.text)).toEqual(['red', 'blue']);
    expect(parsed.datasets[0].items[1].image).toBe(join(folder, 'loose.png'));
    expect(parsed.datasets[1].items).toHaveLength(1);
    expect(parsed.datasets[1].items[0].textFile).toBe(join(folder, 'loose.txt'));
  });

  it('model config: sha256 mismatch rejected', async () => {
    const config = join(dir, 'models', 'pinned.json');
    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(models.image, 'utf8')), sha256: '0'.repeat(64) }));
    const { io, err } = capture();
    const code = await main(['--domain', corpus.shapes, '--image-model', config, '--text-model', models.text, '--no-progress', '--out', join(dir, 'pinned.json')], io);
    expect(code).toBe(2);
    expect(err()).toContain(`expects ${'0'.repeat(64)}`);
  });

  it('unreadable image: error names the file', async () => {
    const broken = join(dir, 'broken');
    const file = join(broken, 'set', 'bad.png');
    mkdirSync(join(broken, 'set'), { recursive: true });
    writeFileSync(file, 'not a png');
    const { io, err } = capture();
    const code = await main(['--domain', broken, '--image-model', models.image, '--text-model', models.text, '--no-progress', '--out', join(dir, 'bad.json')], io);
    expect(code).toBe(2);
    expect(err()).toContain(`cannot decode image ${file}`);
  });

  it('dry run: lists domains, datasets and modalities', async () => {
    const { io, out } = capture();
    const code = await main([...allInputs, '--samples', '4', '--dry-run', '--image-model', models.image, '--text-model', models.text], io);
    expect(code).toBe(0);
    const text = out();
    expect(text).toContain('shard 0 of 1: 13 of 13 sampled items');
    expect(text).toContain('domain shapes: 9 samples, modalities image+text, this shard embeds 7 (image 7, text 4)');
    expect(text).toContain('  dataset squares: 6 samples, 4 sampled');
    expect(text).toContain('domain clips: 1 samples, modalities video+text');
  });

  it('video: frames sampled evenly over the clip', async () => {
    const frames = await decodeVideo(join(corpus.clips, 'demo', 'v0.webm'), { resize: 72, crop: 64 }, 4);
    expect(frames).toHaveLength(4);
    expect(frames[0]).toHaveLength(64 * 64 * 3);
    // testsrc moves over time, so evenly spaced frames differ.
    expect(Buffer.compare(Buffer.from(frames[0]), Buffer.from(frames[3]))).not.toBe(0);
  });

  it('onnxruntime-web: same statistics as onnxruntime-node', async () => {
    const argv = ['--domain', corpus.shapes, '--samples', '3'];
    const native = (await run([...argv, '--runtime', 'node'])).set;
    const wasm = (await run([...argv, '--runtime', 'web'])).set;
    const a = domain(native, 'shapes').stats.image.sum;
    const b = domain(wasm, 'shapes').stats.image.sum;
    // Tolerance 1e-6: both runtimes compute in float32, and kernels may differ in rounding.
    for (let d = 0; d < a.length; d++) expect(Math.abs(a[d] - b[d])).toBeLessThan(1e-6);
  });
});
