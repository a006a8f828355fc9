import { existsSync, readFileSync } from 'node:fs';
import { MadmixError } from '../../src/core/errors.js';
import { ImageEncoder, WordVectorEncoder } from './encoders.js';
import type { Item } from './inputs.js';
import { decodeImages, decodeVideo, mapLimit } from './media.js';
import type { EmbedOptions } from './pipeline.js';
import type { Plan } from './plan.js';
import { loadRuntime } from './runtime.js';

/** Embeddings of one item: an image, a clip's mean frame embedding and a text, where present. */
export interface ItemEmbedding {
  image?: Float32Array;
  video?: Float64Array;
  text?: Float64Array;
}

export interface DecodedBatch {
  positions: number[];
  images: Array<Uint8Array | undefined>;
  videos: Array<Uint8Array[] | undefined>;
  texts: Array<string | undefined>;
}

/** Decodes a batch's images in few ffmpeg runs, its videos clip by clip, and reads its texts. */
export async function decodeBatch(plan: Plan, positions: number[], options: EmbedOptions): Promise<DecodedBatch> {
  const geometry = options.imageConfig ?? { resize: 256, crop: 224 };
  const items: Item[] = positions.map((position) => plan.items[position]);
  items.forEach(requireMedia);
  const imageIndexes = items.flatMap((item, i) => (item.image ? [i] : []));
  const decodedImages = await decodeImages(imageIndexes.map((i) => items[i].image as string), geometry, options.jobs);
  const images = new Array<Uint8Array | undefined>(items.length);
  imageIndexes.forEach((i, k) => (images[i] = decodedImages[k]));
  const videos = await mapLimit(items, options.jobs, (item) =>
    item.video ? decodeVideo(item.video, geometry, options.frames) : Promise.resolve(undefined),
  );
  const texts = items.map((item) => item.text ?? (item.textFile ? readTextFile(item.textFile) : undefined));
  return { positions, images, videos, texts };
}

/**
 * Checks that an item's image and video exist. Media named by a manifest,
 * .jsonl or LLaVA record gets the record's `file:line` or `file#id` in the message.
 * Folder samples have a key that is their own path stem, so they get the path alone.
 */
function requireMedia(item: Item): void {
  for (const [kind, file] of [['image', item.image], ['video', item.video]] as const) {
    if (!file || existsSync(file)) continue;
    if (file.startsWith(item.key)) throw new MadmixError('not_found', `${kind} ${file} does not exist`, { file });
    throw new MadmixError('not_found', `${kind} ${file} referenced by ${item.key} does not exist; fix the path or pass --media-root DIR`, { file, record: item.key });
  }
}

function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new MadmixError('not_found', `cannot read text file ${file}: ${(error as Error).message}`, { file });
  }
}

/** Runs the encoder over frames in chunks of `batchSize`. */
async function encodeFrames(encoder: ImageEncoder, frames: Uint8Array[], batchSize: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let start = 0; start < frames.length; start += batchSize) {
    out.push(...(await encoder.run(frames.slice(start, start + batchSize))));
  }
  return out;
}

/** Encoders created on first use, so a text-only run never loads an ONNX model and an image-only run never loads word vectors. */
export class Encoders {
  private image?: Promise<ImageEncoder>;
  private text?: WordVectorEncoder;

  constructor(private readonly options: EmbedOptions) {}

  imageEncoder(): Promise<ImageEncoder> {
    const { imageConfig, runtime, device } = this.options;
    if (!imageConfig) throw new MadmixError('invalid_parameter', 'the inputs contain images or videos but no image model is set; pass --image-model CONFIG');
    this.image ??= loadRuntime(runtime, device).then((loaded) => ImageEncoder.create(imageConfig, loaded, device));
    return this.image;
  }

  textEncoder(): WordVectorEncoder {
    const { textConfig } = this.options;
    if (!textConfig) throw new MadmixError('invalid_parameter', 'the inputs contain texts but no text model is set; pass --text-model CONFIG');
    this.text ??= new WordVectorEncoder(textConfig);
    return this.text;
  }

  async loadedImageEncoder(): Promise<ImageEncoder | undefined> {
    return this.image ? await this.image : undefined;
  }
}

/** Embeds a decoded batch: images and video frames in encoder batches of `batchSize`, then texts. */
export async function embedBatch(batch: DecodedBatch, encoders: Encoders, options: EmbedOptions): Promise<ItemEmbedding[]> {
  const results: ItemEmbedding[] = batch.positions.map(() => ({}));
  const imageIndexes = batch.images.flatMap((image, i) => (image ? [i] : []));
  const videoIndexes = batch.videos.flatMap((video, i) => (video ? [i] : []));
  if (imageIndexes.length > 0 || videoIndexes.length > 0) {
    const encoder = await encoders.imageEncoder();
    const frames = [...imageIndexes.map((i) => batch.images[i] as Uint8Array), ...videoIndexes.flatMap((i) => batch.videos[i] as Uint8Array[])];
    const embedded = await encodeFrames(encoder, frames, options.batchSize);
    imageIndexes.forEach((i, k) => (results[i].image = embedded[k]));
    let offset = imageIndexes.length;
    for (const i of videoIndexes) {
      const clip = batch.videos[i] as Uint8Array[];
      // Mean-pool the clip's frames in frame order, in float64.
      const mean = new Float64Array(encoder.config.dim);
      for (let f = 0; f < clip.length; f++) {
        const row = embedded[offset + f];
        for (let d = 0; d < mean.length; d++) mean[d] += row[d];
      }
      for (let d = 0; d < mean.length; d++) mean[d] /= clip.length;
      results[i].video = mean;
      offset += clip.length;
    }
  }
  batch.texts.forEach((text, i) => {
    if (text === undefined) return;
    results[i].text = encoders.textEncoder().embed(text)?.vector;
  });
  return results;
}
