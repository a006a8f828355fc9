import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import { ImageEncoder, type ImageModelConfig } from '../../scripts/embed/encoders.js';
import { loadRuntime, realEnvironment, type Ort, type RuntimeEnvironment } from '../../scripts/embed/runtime.js';
import { hasFfmpeg, makePng, writeModels } from './helpers/embed-fixtures.js';
import { tinyImageModel } from './helpers/tiny-onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'madmix-embed-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const modelPath = join(dir, 'tiny.onnx');
writeFileSync(modelPath, tinyImageModel(4, 16));
const config: ImageModelConfig = {
  name: 'tiny-conv-gap', kind: 'onnx-image', path: modelPath, input: 'input', output: 'emb', layer: 'emb', dim: 4,
  layout: 'NCHW', resize: 16, crop: 16, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pooling: 'flatten',
};
const frames = [0, 1, 2].map((seed) => new Uint8Array(16 * 16 * 3).map((_, i) => (i * 31 + seed * 97) % 256));

/** Builds a runtime environment with no GPU and no CUDA provider that records stderr, with `overrides` applied. */
function environment(overrides: Partial<RuntimeEnvironment> = {}): RuntimeEnvironment & { notices: string[] } {
  const notices: string[] = [];
  return {
    ...realEnvironment,
    gpuPresent: () => false,
    missingCudaProvider: () => '/opt/ort/libonnxruntime_providers_cuda.so',
    stderr: { write: (text: string) => notices.push(text) },
    ...overrides,
    notices,
  };
}

const failingImport = () => Promise.reject(new Error("Cannot find package 'onnxruntime-node'"));

/** Builds a fake onnxruntime module whose InferenceSession.create records its options and fails when they include `failOn`. */
function fakeOrt(failOn?: string): { ort: Ort; created: Array<{ executionProviders: string[] }> } {
  const created: Array<{ executionProviders: string[] }> = [];
  const create = async (_model: unknown, options: { executionProviders: string[] }) => {
    created.push(options);
    if (failOn && options.executionProviders.includes(failOn)) throw new Error(`${failOn} provider failed to load`);
    return { run: async () => ({}) };
  };
  return { ort: { InferenceSession: { create } } as unknown as Ort, created };
}

async function rejection(promise: Promise<unknown>): Promise<MadmixError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(MadmixError);
  return error as MadmixError;
}

describe('runtime fallback', () => {
  it('loadRuntime: web used when onnxruntime-node fails', async () => {
    const env = environment({ importNode: failingImport });
    const runtime = await loadRuntime('auto', 'auto', env);
    expect(runtime.name).toBe('onnxruntime-web');
    expect(runtime.executionProviders).toEqual(['wasm']);
    expect(env.notices).toHaveLength(1);
    expect(env.notices[0]).toContain('cannot load onnxruntime-node');
    expect(env.notices[0]).toContain('using onnxruntime-web');
  });

  it('fallback: same embeddings as onnxruntime-node', async () => {
    const native = await ImageEncoder.create(config, await loadRuntime('auto', 'cpu', environment()), 'cpu');
    const wasm = await ImageEncoder.create(config, await loadRuntime('auto', 'cpu', environment({ importNode: failingImport })), 'cpu');
    expect(native.runtime.name).toBe('onnxruntime-node');
    expect(wasm.runtime.name).toBe('onnxruntime-web');
    const a = await native.run(frames);
    const b = await wasm.run(frames);
    // Tolerance 1e-6, because both runtimes compute in float32 and their kernels may round differently.
    for (let n = 0; n < frames.length; n++) {
      for (let d = 0; d < config.dim; d++) expect(Math.abs(a[n][d] - b[n][d])).toBeLessThan(1e-6);
    }
  });

  it('--runtime node: import failure names the fix', async () => {
    const env = environment({ importNode: failingImport });
    const error = await rejection(loadRuntime('node', 'auto', env));
    expect(error.code).toBe('invalid_parameter');
    expect(error.message).toContain('cannot load onnxruntime-node');
    expect(error.message).toContain('npm install onnxruntime-node');
    expect(error.message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    expect(error.message).toContain('--runtime web');
    expect(env.notices).toEqual([]);
  });

  it('--device cuda: import failure is an error', async () => {
    const error = await rejection(loadRuntime('auto', 'cuda', environment({ importNode: failingImport })));
    expect(error.code).toBe('invalid_parameter');
    expect(error.message).toContain('cannot load onnxruntime-node');
  });

  it('--runtime web --device cuda: rejected', async () => {
    const error = await rejection(loadRuntime('web', 'cuda', environment()));
    expect(error.message).toContain('onnxruntime-web runs on the CPU only');
  });
});

describe('device selection', () => {
  it('--device auto: CPU without a notice when no GPU', async () => {
    const env = environment();
    const runtime = await loadRuntime('auto', 'auto', env);
    expect(runtime.name).toBe('onnxruntime-node');
    expect(runtime.executionProviders).toEqual(['cpu']);
    expect(env.notices).toEqual([]);
  });

  it('--device auto: CPU with one notice when CUDA provider missing', async () => {
    const env = environment({ gpuPresent: () => true });
    const runtime = await loadRuntime('auto', 'auto', env);
    expect(runtime.executionProviders).toEqual(['cpu']);
    expect(env.notices).toHaveLength(1);
    expect(env.notices[0]).toContain('CUDA execution provider of onnxruntime-node is not installed');
    expect(env.notices[0]).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
  });

  it('--device cuda: missing provider is an error', async () => {
    const env = environment({ gpuPresent: () => true });
    const error = await rejection(loadRuntime('auto', 'cuda', env));
    expect(error.code).toBe('invalid_parameter');
    expect(error.message).toContain('CUDA execution provider of onnxruntime-node is not installed');
    expect(error.message).toContain('/opt/ort/libonnxruntime_providers_cuda.so not found');
    expect(error.message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    expect(error.message).toContain('--device cpu');
  });

  it('--device cuda: session gets cuda then cpu', async () => {
    const { ort, created } = fakeOrt();
    const env = environment({ importNode: async () => ort, missingCudaProvider: () => undefined });
    const runtime = await loadRuntime('node', 'cuda', env);
    const encoder = await ImageEncoder.create(config, runtime, 'cuda');
    expect(created).toHaveLength(1);
    expect(created[0].executionProviders).toEqual(['cuda', 'cpu']);
    expect(encoder.providers).toEqual(['cuda', 'cpu']);
    expect(env.notices).toEqual([]);
  });

  it('--device auto: GPU with provider uses cuda', async () => {
    const { ort, created } = fakeOrt();
    const env = environment({ importNode: async () => ort, gpuPresent: () => true, missingCudaProvider: () => undefined });
    await ImageEncoder.create(config, await loadRuntime('auto', 'auto', env), 'auto');
    expect(created[0].executionProviders).toEqual(['cuda', 'cpu']);
  });

  it('--device auto: failed CUDA session retried on CPU', async () => {
    const { ort, created } = fakeOrt('cuda');
    const env = environment({ importNode: async () => ort, gpuPresent: () => true, missingCudaProvider: () => undefined });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const encoder = await ImageEncoder.create(config, await loadRuntime('auto', 'auto', env), 'auto');
      expect(created.map((options) => options.executionProviders)).toEqual([['cuda', 'cpu'], ['cpu']]);
      expect(encoder.providers).toEqual(['cpu']);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('the CUDA provider failed'));
    } finally {
      stderr.mockRestore();
    }
  });

  it('--device cuda: failed CUDA session is an error', async () => {
    const { ort } = fakeOrt('cuda');
    const env = environment({ importNode: async () => ort, missingCudaProvider: () => undefined });
    await expect(ImageEncoder.create(config, await loadRuntime('node', 'cuda', env), 'cuda')).rejects.toThrow('cuda provider failed to load');
  });
});

describe.skipIf(!hasFfmpeg)('cli', () => {
  it('main: exit 2 when onnxruntime-node is missing', async () => {
    const models = writeModels(join(dir, 'models'));
    mkdirSync(join(dir, 'domain', 'set'), { recursive: true });
    makePng(join(dir, 'domain', 'set', 'a.png'), 0);
    // The mocked import fails the way a missing package does, and only modules imported after resetModules see it.
    vi.resetModules();
    vi.doMock('onnxruntime-node', () => {
      throw new Error("Cannot find package 'onnxruntime-node'");
    });
    try {
      const { main } = await import('../../scripts/embed/cli.js');
      let err = '';
      const io = { stdout: { write: () => true }, stderr: { write: (text: string) => ((err += text), true) } } as never;
      const argv = ['--domain', join(dir, 'domain'), '--image-model', models.image, '--runtime', 'node', '--no-progress', '--out', join(dir, 'out.json')];
      expect(await main(argv, io)).toBe(2);
      expect(err).toContain('cannot load onnxruntime-node');
    } finally {
      vi.doUnmock('onnxruntime-node');
      vi.resetModules();
    }
  });
});
