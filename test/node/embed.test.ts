import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeStats, parseStatsJson, type StatsSet } from '../../src/core/stats/index.js';
import { main, parseCli } from '../../scripts/embed/cli.js';
import { discoverInputs } from '../../scripts/embed/inputs.js';
import { decodeVideo, firstUsefulLine } from '../../scripts/embed/media.js';
import { runEmbedding } from '../../scripts/embed/pipeline.js';
import { Progress } from '../../scripts/embed/progress.js';
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

function fakeStream(isTTY: boolean): { stream: NodeJS.WritableStream & { isTTY: boolean }; text: () => string } {
  let text = '';
  const stream = { isTTY, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean };
  return { stream, text: () => text };
}

describe('progress', () => {
  it('Progress: final line printed once without a TTY', () => {
    let now = 0;
    const { stream, text } = fakeStream(false);
    const progress = new Progress(4, { stream, intervalMs: 1000, now: () => now });
    progress.update(2);
    now = 2000;
    progress.update(4);
    progress.finish(4);
    const lines = text().trim().split('\n');
    expect(lines.filter((line) => line.startsWith('embed: 4/4 items'))).toHaveLength(1);
    expect(lines).toHaveLength(2);
  });

  it('Progress: final state drawn once on a TTY', () => {
    let now = 0;
    const { stream, text } = fakeStream(true);
    const progress = new Progress(4, { stream, now: () => now });
    progress.update(2);
    now = 1000;
    progress.update(4);
    progress.finish(4);
    expect(text().match(/4\/4 items/g)).toHaveLength(1);
    expect(text().endsWith('\n')).toBe(true);
  });

  it('Progress: finish draws a count not shown yet', () => {
    let now = 0;
    const { stream, text } = fakeStream(false);
    const progress = new Progress(4, { stream, intervalMs: 5000, now: () => now });
    progress.update(2);
    now = 1000;
    progress.update(4);
    progress.finish(4);
    expect(text().match(/4\/4 items/g)).toHaveLength(1);
  });

  it('Progress: no ETA from the slow first batch', () => {
    let now = 0;
    const { stream, text } = fakeStream(false);
    const progress = new Progress(880, { stream, intervalMs: 0, now: () => now });
    // The first batch includes model loading (8 items after 4 s); later batches take 0.18 s each.
    now = 4000;
    progress.update(8);
    for (let done = 16; done <= 40; done += 8) {
      now += 180;
      progress.update(done);
    }
    const lines = text().trim().split('\n');
    expect(lines[0]).toMatch(/ETA --$/);
    expect(lines.at(-1)).toMatch(/ETA --$/);
    for (let done = 48; done <= 200; done += 8) {
      now += 180;
      progress.update(done);
    }
    // 680 items left at 8 / 0.18 s = 44.4 items/s is 15.3 s; the tolerance of a few seconds covers the averaging.
    const eta = /ETA (\d+)m(\d+)s$/.exec(text().trim().split('\n').at(-1)!);
    expect(eta).not.toBeNull();
    const seconds = Number(eta![1]) * 60 + Number(eta![2]);
    expect(seconds).toBeGreaterThanOrEqual(14);
    expect(seconds).toBeLessThanOrEqual(17);
  });
});

describe('ffmpeg messages', () => {
  it('firstUsefulLine: skips follow-up lines and the decoder address', () => {
    const stderr = [
      '[png @ 0x5605a63ee100] Invalid PNG signature 0x6E6F74206120706E.',
      'Error while decoding stream #0:0: Invalid data found when processing input',
      'Cannot determine format of input stream 0:0 after EOF',
      'Error marking filters as finished',
    ].join('\n');
    expect(firstUsefulLine(`Cannot determine format of input stream 0:0 after EOF\n${stderr}`)).toBe('png: Invalid PNG signature 0x6E6F74206120706E.');
    expect(firstUsefulLine('')).toBe('no output');
  });
});

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

  const cli = async (argv: string[]) => {
    const { io, out, err } = capture();
    const code = await main([...argv, '--image-model', models.image, '--text-model', models.text, '--no-progress'], io);
    return { code, out: out(), err: err() };
  };

  it('empty domain folder: listed with a warning', async () => {
    const root = join(dir, 'with-empty');
    mkdirSync(join(root, 'full', 'set'), { recursive: true });
    mkdirSync(join(root, 'hollow', 'set'), { recursive: true });
    writeFileSync(join(root, 'full', 'set', 'a.txt'), 'red');
    writeFileSync(join(root, 'hollow', 'set', 'notes.md'), 'not an input type');

    const dry = await cli(['--domains', root, '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('domain hollow: empty, left out of the output');
    expect(dry.err).toContain('warning: domain folder hollow has no images, videos, texts or .jsonl records');

    const out = join(dir, 'with-empty.json');
    const run = await cli(['--domains', root, '--out', out]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain('warning: domain folder hollow');
    expect(parseStatsJson(readFileSync(out, 'utf8')).domains.map((entry) => entry.name)).toEqual(['full']);
  });

  it('no samples: exit 2 and nothing written', async () => {
    const manifest = join(dir, 'empty.jsonl');
    writeFileSync(manifest, '');
    const out = join(dir, 'empty-out.json');
    const run = await cli(['--manifest', manifest, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('the inputs contain 0 samples, so the output would hold 0 domains');
    expect(existsSync(out)).toBe(false);

    const root = join(dir, 'all-empty');
    mkdirSync(join(root, 'hollow'), { recursive: true });
    const dry = await cli(['--domains', root, '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.out).toContain('domain hollow: empty');
    expect(dry.err).toContain('the inputs contain 0 samples');
  });

  it('shard without items: exit 2 naming the limit', async () => {
    const manifest = join(dir, 'two.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ domain: 'a', text: 'red' })}\n${JSON.stringify({ domain: 'a', text: 'blue' })}\n`);
    const run = await cli(['--manifest', manifest, '--shard-index', '2', '--shard-count', '3', '--out', join(dir, 'shard.json')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('shard 2 of 3 has 0 items because only 2 items are sampled; use --shard-count 2 or fewer');
  });

  it('manifest: unknown key rejected with file:line', async () => {
    const manifest = join(dir, 'typo.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ domain: 'a', text: 'red' })}\n${JSON.stringify({ domain: 'a', txt: 'x' })}\n`);
    const run = await cli(['--manifest', manifest, '--out', join(dir, 'typo.json')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`${manifest}:2: unknown key "txt"; valid keys are domain, dataset, text, image, video`);
  });

  it('manifest: record without content rejected', () => {
    const manifest = join(dir, 'no-content.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ domain: 'a', dataset: 'b' })}\n`);
    expect(() => discoverInputs({ manifests: [manifest] })).toThrow(`${manifest}:1: the record has no text, image or video`);
  });

  it('domain jsonl: unknown key rejected with file:line', () => {
    const folder = join(dir, 'jsonl-typo');
    mkdirSync(join(folder, 'set'), { recursive: true });
    const file = join(folder, 'set', 'part.jsonl');
    writeFileSync(file, `${JSON.stringify({ text: 'red', caption: 'x' })}\n`);
    expect(() => discoverInputs({ domainDirs: [folder] })).toThrow(`${file}:1: unknown key "caption"; valid keys are text, image, video`);
  });

  it('LLaVA: extra keys accepted', () => {
    const file = join(dir, 'llava-extra.json');
    writeFileSync(file, JSON.stringify([
      { id: 'x1', source: 'coco', width: 640, image: 'a.png', conversations: [{ from: 'human', value: 'Hi', weight: 1 }] },
    ]));
    const [parsed] = discoverInputs({ llava: [file] });
    expect(parsed.datasets[0].items[0].text).toBe('Hi');
    expect(parsed.datasets[0].items[0].image).toBe(join(dir, 'a.png'));
  });

  it('missing manifest: exit 2 naming the path', async () => {
    const run = await cli(['--manifest', '/nonexistent.jsonl', '--out', join(dir, 'missing.json')]);
    expect(run.code).toBe(2);
    expect(run.err).toBe('embed: cannot read manifest /nonexistent.jsonl (ENOENT); check the path\n');
  });

  it('missing image: error names the image and manifest line', async () => {
    const manifest = join(dir, 'missing-image.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ domain: 'a', text: 'red' })}\n${JSON.stringify({ domain: 'a', image: 'gone.png' })}\n`);
    const run = await cli(['--manifest', manifest, '--out', join(dir, 'missing-image.json')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`image ${join(dir, 'gone.png')} referenced by ${manifest}:2 does not exist`);
  });

  it('corrupt PNG: not a valid image with the ffmpeg cause', async () => {
    const broken = join(dir, 'corrupt');
    const file = join(broken, 'set', 'bad.png');
    mkdirSync(join(broken, 'set'), { recursive: true });
    writeFileSync(file, 'not a png');
    const run = await cli(['--domain', broken, '--out', join(dir, 'corrupt.json')]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(new RegExp(`cannot decode image ${file}: not a valid image \\(ffmpeg: png: Invalid PNG signature 0x[0-9A-F]+\\.\\)`));
    expect(run.err).not.toContain('Error marking filters');
  });

  it('SIGINT: checkpoint message, exit 130, resume equals one run', () => {
    const common = [CLI, '--domain', corpus.shapes, '--manifest', corpus.manifest, '--image-model', models.image, '--text-model', models.text, '--batch-size', '2', '--checkpoint-every', '5', '--no-progress'];
    const node = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const reference = join(dir, 'sigint-reference.json');
    expect(node([...common, '--out', reference]).status).toBe(0);

    const state = join(dir, 'sigint-state');
    const out = join(dir, 'sigint.json');
    const interrupted = node([...common, '--state-dir', state, '--out', out], { MADMIX_EMBED_INTERRUPT_AFTER_BATCHES: '2' });
    expect(interrupted.status, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toContain(`embed: interrupted; a checkpoint of 4/12 items is in ${state}, and rerunning the same command resumes from it\n`);
    expect(existsSync(out)).toBe(false);

    const resumed = node([...common, '--state-dir', state, '--out', out]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/\(4 from checkpoint\)/);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(reference, 'utf8'));

    const unsaved = node([...common, '--out', join(dir, 'sigint-unsaved.json')], { MADMIX_EMBED_INTERRUPT_AFTER_BATCHES: '2' });
    expect(unsaved.status).toBe(130);
    expect(unsaved.stderr).toContain('embed: interrupted; nothing is saved because --state-dir is not set');
  });

  it('runEmbedding: SIGINT listener removed after the run', async () => {
    const before = process.listenerCount('SIGINT');
    const { options } = parseCli(['--manifest', corpus.manifest, '--image-model', models.image, '--text-model', models.text, '--no-progress'], {});
    await runEmbedding({ ...options, exitOnInterrupt: true });
    expect(process.listenerCount('SIGINT')).toBe(before);
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
