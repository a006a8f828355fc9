import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ImageEncoder, loadImageConfig } from './encoders.js';
import { runEmbedding } from './pipeline.js';
import { loadRuntime, type Device, type RuntimeChoice } from './runtime.js';

const USAGE = `Usage: npx tsx scripts/embed/bench.ts --model-dir DIR [options]

Compares the embed pipeline's images/s (decode with ffmpeg, preprocess, encode,
reduce) with bare onnxruntime session.run on ready tensors of the same model
and batch size.

  --model-dir DIR     folder holding the weights named in the config
  --image-model FILE  model config (default scripts/embed/models/mobilenetv2.json)
  --images N          PNG images to embed (default 256), 320x240 ffmpeg testsrc frames
  --batch-size N      images per session.run (default 32)
  --jobs N            decoder processes (default 2)
  --runtime R         auto | node | web (default auto)
  --device D          auto | cpu | cuda (default auto)
`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'model-dir': { type: 'string' },
      'image-model': { type: 'string' },
      images: { type: 'string' },
      'batch-size': { type: 'string' },
      jobs: { type: 'string' },
      runtime: { type: 'string' },
      device: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const images = Number(values.images ?? 256);
  const batchSize = Number(values['batch-size'] ?? 32);
  const runtimeChoice = (values.runtime ?? 'auto') as RuntimeChoice;
  const device = (values.device ?? 'auto') as Device;
  const configFile = values['image-model'] ?? join(import.meta.dirname, 'models', 'mobilenetv2.json');
  const config = loadImageConfig(configFile, { modelDir: values['model-dir'] ?? process.env.MADMIX_MODEL_DIR });

  // Bare runtime: the same batches as tensors already in memory, after one warm-up run.
  const runtime = await loadRuntime(runtimeChoice, device);
  const encoder = await ImageEncoder.create(config, runtime, device);
  const frame = new Uint8Array(config.crop * config.crop * 3).map((_, i) => (i * 7) % 256);
  const batch = Array.from({ length: batchSize }, () => frame);
  await encoder.run(batch);
  const tensor = encoder.toTensor(batch);
  const session = (encoder as unknown as { session: import('onnxruntime-web').InferenceSession }).session;
  const runs = Math.max(1, Math.round(images / batchSize));
  let started = performance.now();
  for (let r = 0; r < runs; r++) await session.run({ [config.input]: tensor }, [config.output]);
  const bare = (runs * batchSize) / ((performance.now() - started) / 1000);

  // Pipeline: a folder of PNGs through runEmbedding, timed from the start of the run to the reduced sums.
  const dir = mkdtempSync(join(tmpdir(), 'madmix-embed-bench-'));
  try {
    const folder = join(dir, 'bench', 'frames');
    mkdirSync(folder, { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-frames:v', String(images), join(folder, 'img%05d.png')]);
    started = performance.now();
    const { summary } = await runEmbedding({
      inputs: { domainDirs: [join(dir, 'bench')] },
      samplesPerDataset: images,
      seed: 0,
      shard: { index: 0, count: 1 },
      batchSize,
      frames: 8,
      jobs: Number(values.jobs ?? 2),
      imageConfig: config,
      runtime: runtimeChoice,
      device,
      checkpointEvery: 10,
      progress: false,
    });
    const pipeline = summary.items / ((performance.now() - started) / 1000);
    const result = {
      model: config.name,
      runtime: runtime.name,
      providers: encoder.providers,
      batchSize,
      images,
      cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      bareImagesPerSecond: Number(bare.toFixed(1)),
      pipelineImagesPerSecond: Number(pipeline.toFixed(1)),
      overheadRatio: Number((bare / pipeline).toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(1);
  });
}
