#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MadmixError, show } from '../../src/core/errors.js';
import { loadImageConfig, loadTextConfig } from './encoders.js';
import { writeStats } from './output.js';
import { checkPlan, describePlan, planInputs, planWarnings } from './plan.js';
import { runEmbedding, type EmbedOptions } from './pipeline.js';
import type { Device, RuntimeChoice } from './runtime.js';
import { resolveShard } from './sampling.js';

const MODELS = join(dirname(fileURLToPath(import.meta.url)), 'models');

export const USAGE = `Usage: npx tsx scripts/embed/cli.ts [inputs] [options] --out FILE

Embeds datasets with pretrained encoders and writes per-domain statistics
(sample counts and embedding sums per modality) for madmix.

Inputs (repeatable, combinable):
  --domain DIR            a folder that is one domain; subfolders are datasets, and
                          files sharing a name stem (x.png + x.txt) form one sample;
                          images png/jpg/svg, videos ogv/webm/mp4, texts .txt, and
                          .jsonl files of {text?, image?, video?} records
  --domains DIR           a folder whose subfolders are domains
  --manifest FILE         JSONL of {domain, dataset?, text?, image?, video?}; other keys
                          are rejected
  --llava [DOMAIN[/DATASET]=]FILE
                          LLaVA-style JSON list of {id, image?|video?, conversations};
                          the text is the conversation values joined
  --media-root DIR        folder that manifest and LLaVA media paths are relative to
                          (default: the file's folder)

Sampling and sharding:
  --samples N             samples per dataset, picked by a seeded shuffle (default 512)
  --seed N                shuffle seed (default 0)
  --shard-index I         this shard (default: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN,
                          or JOB_COMPLETION_INDEX, else 0)
  --shard-count N         number of shards (default: SLURM_ARRAY_TASK_COUNT or
                          MADMIX_SHARD_COUNT, else 1); shard I takes sampled items I, I+N, ...

Encoders:
  --image-model FILE      image model config JSON (default scripts/embed/models/mobilenetv2.json)
  --model-dir DIR         folder of model weights named in configs (default: MADMIX_MODEL_DIR,
                          else the config's folder)
  --image-model-path FILE model weights, overriding the config's path
  --text-model FILE       text model config JSON (default scripts/embed/models/wink-sg-100d.json)
  --frames N              frames sampled evenly per video, mean-pooled (default 8)
  --batch-size N          images or frames per encoder call (default 32)
  --jobs N                concurrent decoder processes (default min(4, CPU count))
  --runtime R             auto | node | web (default auto: onnxruntime-node, else onnxruntime-web)
  --device D              auto | cpu | cuda (default auto: cuda when an NVIDIA GPU and
                          onnxruntime-node's CUDA provider are present, else cpu)

Run:
  --state-dir DIR         checkpoint folder; a rerun with the same flags resumes from it,
                          also after Ctrl-C, which saves a checkpoint before exiting
  --checkpoint-every N    batches between checkpoints (default 10)
  --restart               discard an existing checkpoint
  --out FILE              output, .json (stats JSON) or .safetensors; a FILE.sha256 is written beside it
  --corpus NAME           corpus name stored in the statistics' meta
  --dry-run               list domains, datasets, counts and modalities, and embed nothing
  --no-progress           no progress output
  -h, --help              this help

Exit status: 0 on success, 2 for invalid input (including inputs with 0 samples
or a shard with 0 items), 1 for internal errors, 130 after Ctrl-C.
`;

function positiveInteger(flag: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new MadmixError('invalid_parameter', `${flag} must be an integer >= ${min}, got ${show(value)}`);
  }
  return n;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Parses flags into pipeline options; exported for tests. */
export function parseCli(argv: string[], env: Record<string, string | undefined> = process.env) {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      domain: { type: 'string', multiple: true },
      domains: { type: 'string', multiple: true },
      manifest: { type: 'string', multiple: true },
      llava: { type: 'string', multiple: true },
      'media-root': { type: 'string' },
      samples: { type: 'string' },
      seed: { type: 'string' },
      'shard-index': { type: 'string' },
      'shard-count': { type: 'string' },
      'image-model': { type: 'string' },
      'model-dir': { type: 'string' },
      'image-model-path': { type: 'string' },
      'text-model': { type: 'string' },
      frames: { type: 'string' },
      'batch-size': { type: 'string' },
      jobs: { type: 'string' },
      runtime: { type: 'string' },
      device: { type: 'string' },
      'state-dir': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      restart: { type: 'boolean' },
      out: { type: 'string' },
      corpus: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'no-progress': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const inputs = {
    domainDirs: values.domain,
    domainsRoots: values.domains,
    manifests: values.manifest,
    llava: values.llava,
    mediaRoot: values['media-root'],
  };
  const options: EmbedOptions = {
    inputs,
    samplesPerDataset: positiveInteger('--samples', values.samples, 512),
    seed: positiveInteger('--seed', values.seed, 0, 0),
    shard: resolveShard({ index: values['shard-index'], count: values['shard-count'] }, env),
    batchSize: positiveInteger('--batch-size', values['batch-size'], 32),
    frames: positiveInteger('--frames', values.frames, 8),
    jobs: positiveInteger('--jobs', values.jobs, Math.min(4, availableParallelism())),
    imageConfig: loadImageConfig(values['image-model'] ?? join(MODELS, 'mobilenetv2.json'), {
      modelDir: values['model-dir'] ?? env.MADMIX_MODEL_DIR,
      modelPath: values['image-model-path'],
    }),
    textConfig: loadTextConfig(values['text-model'] ?? join(MODELS, 'wink-sg-100d.json')),
    runtime: (values.runtime ?? 'auto') as RuntimeChoice,
    device: (values.device ?? 'auto') as Device,
    stateDir: values['state-dir'],
    checkpointEvery: positiveInteger('--checkpoint-every', values['checkpoint-every'], 10),
    restart: values.restart,
    progress: !values['no-progress'],
    meta: values.corpus ? { corpus: values.corpus } : undefined,
  };
  const hasInput = Object.values(inputs).some((value) => Array.isArray(value) && value.length > 0);
  return { options, out: values.out, dryRun: Boolean(values['dry-run']), help: Boolean(values.help), hasInput };
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: Io = process): Promise<number> {
  try {
    const { options, out, dryRun, help, hasInput } = parseCli(argv);
    if (help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (!hasInput) throw new MadmixError('invalid_parameter', 'no input given; pass --domain, --domains, --manifest or --llava (see --help)');
    const plan = planInputs(options.inputs, options.samplesPerDataset, options.seed, options.shard);
    for (const warning of planWarnings(plan)) io.stderr.write(`embed: ${warning}\n`);
    if (dryRun) io.stdout.write(`${describePlan(plan)}\n`);
    checkPlan(plan);
    if (dryRun) return 0;
    if (!out) throw new MadmixError('invalid_parameter', '--out is missing; pass --out stats.json or --out stats.safetensors');
    const { set, summary } = await runEmbedding({ ...options, exitOnInterrupt: true }, plan);
    const written = await writeStats(set, out);
    const rate = summary.itemsPerSecond.toFixed(2);
    io.stderr.write(
      `embed: ${summary.items} items (${summary.resumedItems} from checkpoint), ${summary.frames} frames, ${summary.texts} texts ` +
        `(${summary.textsWithoutVectors} without known words) in ${summary.seconds.toFixed(1)} s, ${rate} items/s` +
        `${summary.runtime ? ` on ${summary.runtime} [${summary.providers?.join(',')}]` : ''}\n`,
    );
    if (!summary.exact) io.stderr.write('embed: a sum reached 2^23, so merging shards may differ from one run by float64 rounding\n');
    io.stdout.write(`${JSON.stringify({ out: written.path, sha256: written.sha256, statsHash: written.statsHash, bytes: written.bytes, shard: set.meta?.shard, domains: set.domains.length, items: summary.items })}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`embed: ${message}\n`);
    const usageError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ?? false;
    return usageError || (error instanceof MadmixError && error.code !== 'internal') ? 2 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
