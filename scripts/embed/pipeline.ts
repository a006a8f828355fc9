import type { ModalityInfo, StatsSet } from '../../src/core/stats/index.js';
import { Accumulator } from './accumulator.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { decodeBatch, embedBatch, Encoders, type DecodedBatch } from './batch.js';
import type { ImageModelConfig, TextModelConfig } from './encoders.js';
import type { InputSpec } from './inputs.js';
import { buildStatsSet } from './output.js';
import { fingerprintPlan, planInputs, type Plan } from './plan.js';
import { Progress } from './progress.js';
import type { Device, RuntimeChoice } from './runtime.js';
import type { Shard } from './sampling.js';

export interface EmbedOptions {
  inputs: InputSpec;
  samplesPerDataset: number;
  seed: number;
  shard: Shard;
  batchSize: number;
  /** Frames sampled evenly from each video. */
  frames: number;
  /** Concurrent decoder processes. */
  jobs: number;
  imageConfig?: ImageModelConfig;
  textConfig?: TextModelConfig;
  runtime: RuntimeChoice;
  device: Device;
  /** Folder for checkpoints; without it the run cannot resume. */
  stateDir?: string;
  checkpointEvery: number;
  /** Discard an existing checkpoint instead of resuming from it. */
  restart?: boolean;
  progress?: boolean;
  meta?: Record<string, string>;
  /**
   * On SIGINT, save the checkpoint, print how to resume and exit with status 130.
   * Off by default, so a host process such as the job watcher keeps its own SIGINT handling.
   */
  exitOnInterrupt?: boolean;
}

export interface EmbedSummary {
  items: number;
  resumedItems: number;
  seconds: number;
  itemsPerSecond: number;
  frames: number;
  texts: number;
  textsWithoutVectors: number;
  exact: boolean;
  runtime?: string;
  providers?: string[];
}

/** Lists ModalityInfo entries for the modalities the plan uses. */
function modalityInfos(plan: Plan, options: EmbedOptions): ModalityInfo[] {
  const used = new Set(plan.domains.flatMap((domain) => domain.modalities));
  const infos: ModalityInfo[] = [];
  const image = options.imageConfig;
  if (used.has('image') && image) infos.push({ name: 'image', dim: image.dim, model: image.name, layer: image.layer });
  if (used.has('video') && image) {
    infos.push({ name: 'video', dim: image.dim, model: image.name, layer: `${image.layer}, mean of ${options.frames} frames` });
  }
  const text = options.textConfig;
  if (used.has('text') && text) infos.push({ name: 'text', dim: text.dim, model: text.name, layer: text.layer });
  return infos;
}

function settingsOf(options: EmbedOptions): Record<string, unknown> {
  return {
    samplesPerDataset: options.samplesPerDataset,
    seed: options.seed,
    batchSize: options.batchSize,
    frames: options.frames,
    image: options.imageConfig && { ...options.imageConfig, path: undefined },
    text: options.textConfig && { ...options.textConfig, path: undefined },
  };
}

/** Test hook: SIGKILL this process after that many batches, to check resuming after a real kill. */
const KILL_AFTER = Number(process.env.MADMIX_EMBED_KILL_AFTER_BATCHES ?? 0);
/** Test hook: send SIGINT to this process after that many batches, as Ctrl-C would. */
const INTERRUPT_AFTER = Number(process.env.MADMIX_EMBED_INTERRUPT_AFTER_BATCHES ?? 0);

/**
 * Saves the checkpoint when there is a state folder, prints one line on how to
 * resume, and exits with status 130 as shells do after Ctrl-C.
 * Signal handlers run between batches, never inside the synchronous update of
 * `checkpoint`, so the saved state is consistent.
 */
function exitOnInterrupt(progress: Progress, checkpoint: Checkpoint, total: number, state?: { path: string; stateDir: string }): never {
  progress.interrupt();
  if (state) {
    saveCheckpoint(state.path, checkpoint, total);
    process.stderr.write(`embed: interrupted; a checkpoint of ${checkpoint.done.size}/${total} items is in ${state.stateDir}, and rerunning the same command resumes from it\n`);
  } else {
    process.stderr.write('embed: interrupted; nothing is saved because --state-dir is not set (pass --state-dir DIR to make a run resumable)\n');
  }
  process.exit(130);
}

/**
 * Embeds this shard's items batch by batch and reduces them to counts and
 * sums. With a state folder it checkpoints every `checkpointEvery` batches
 * and resumes from the last checkpoint, skipping the items it holds.
 */
export async function runEmbedding(options: EmbedOptions, plan = planInputs(options.inputs, options.samplesPerDataset, options.seed, options.shard)): Promise<{ set: StatsSet; plan: Plan; summary: EmbedSummary }> {
  const started = Date.now();
  const total = plan.items.length;
  const fingerprint = fingerprintPlan(plan, settingsOf(options));
  const path = options.stateDir ? checkpointPath(options.stateDir, plan.shard) : undefined;
  const loaded = path && !options.restart ? loadCheckpoint(path, fingerprint, total) : undefined;
  const checkpoint: Checkpoint = loaded ?? { fingerprint, done: new Set(), accumulator: new Accumulator(), textsWithoutVectors: 0 };
  const resumedItems = checkpoint.done.size;

  const pending = plan.items.map((_, position) => position).filter((position) => !checkpoint.done.has(position));
  const batches: number[][] = [];
  for (let start = 0; start < pending.length; start += options.batchSize) batches.push(pending.slice(start, start + options.batchSize));

  const encoders = new Encoders(options);
  const progress = new Progress(total, { enabled: options.progress ?? true });
  const onInterrupt = (): void => exitOnInterrupt(progress, checkpoint, total, path && options.stateDir ? { path, stateDir: options.stateDir } : undefined);
  if (options.exitOnInterrupt) process.once('SIGINT', onInterrupt);
  let frames = 0;
  let texts = 0;
  try {
    let next = batches.length > 0 ? decodeBatch(plan, batches[0], options) : undefined;
    for (let b = 0; b < batches.length; b++) {
      const decoded = await (next as Promise<DecodedBatch>);
      // Decode the next batch while this one runs through the encoders.
      next = b + 1 < batches.length ? decodeBatch(plan, batches[b + 1], options) : undefined;
      next?.catch(() => undefined);
      const embeddings = await embedBatch(decoded, encoders, options);
      decoded.positions.forEach((position, i) => {
        const item = plan.items[position];
        const where = `${item.domain}/${item.dataset} ${item.key}`;
        const embedding = embeddings[i];
        if (embedding.image) checkpoint.accumulator.add(item.domain, 'image', embedding.image, where);
        if (embedding.video) checkpoint.accumulator.add(item.domain, 'video', embedding.video, where);
        if (embedding.text) checkpoint.accumulator.add(item.domain, 'text', embedding.text, where);
        if (decoded.texts[i] !== undefined) {
          texts++;
          if (!embedding.text) checkpoint.textsWithoutVectors++;
        }
        frames += (decoded.images[i] ? 1 : 0) + (decoded.videos[i]?.length ?? 0);
        checkpoint.done.add(position);
      });
      if (path && ((b + 1) % options.checkpointEvery === 0 || b + 1 === batches.length)) saveCheckpoint(path, checkpoint, total);
      progress.update(checkpoint.done.size);
      if (KILL_AFTER > 0 && b + 1 === KILL_AFTER) process.kill(process.pid, 'SIGKILL');
      if (INTERRUPT_AFTER > 0 && b + 1 === INTERRUPT_AFTER) process.kill(process.pid, 'SIGINT');
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  progress.finish(checkpoint.done.size);

  const meta: Record<string, string> = {
    ...options.meta,
    producer: 'scripts/embed',
    seed: String(options.seed),
    samplesPerDataset: String(options.samplesPerDataset),
    shard: `${plan.shard.index}/${plan.shard.count}`,
    sampledItems: String(plan.sampledCount),
    rounding: 'embeddings rounded to multiples of 2^-30 before summing',
  };
  if (options.imageConfig?.sha256) meta.imageModelSha256 = options.imageConfig.sha256;
  const set = buildStatsSet(plan, checkpoint.accumulator, modalityInfos(plan, options), meta);
  const seconds = (Date.now() - started) / 1000;
  const image = await encoders.loadedImageEncoder();
  return {
    set,
    plan,
    summary: {
      items: total,
      resumedItems,
      seconds,
      itemsPerSecond: (total - resumedItems) / Math.max(seconds, 1e-9),
      frames,
      texts,
      textsWithoutVectors: checkpoint.textsWithoutVectors,
      exact: checkpoint.accumulator.exact,
      runtime: image?.runtime.name,
      providers: image?.providers,
    },
  };
}

