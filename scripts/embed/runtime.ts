import { existsSync } from 'node:fs';
import { MadmixError, show } from '../../src/core/errors.js';

/** The subset of the onnxruntime API the encoders use; onnxruntime-node and onnxruntime-web share it. */
export type Ort = typeof import('onnxruntime-web');
export type Device = 'auto' | 'cpu' | 'cuda';
export type RuntimeChoice = 'auto' | 'node' | 'web';

export interface LoadedRuntime {
  ort: Ort;
  /** `onnxruntime-node` or `onnxruntime-web`. */
  name: string;
  executionProviders: string[];
}

/** True when an NVIDIA GPU device node exists (the CUDA provider needs one). */
export function gpuPresent(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/proc/driver/nvidia/version');
}

/**
 * Loads onnxruntime-node, or onnxruntime-web (wasm, CPU only) when the native
 * package cannot be loaded or `runtime` is `web`. With `device` cuda, or auto
 * on a machine with an NVIDIA GPU, sessions ask for ['cuda', 'cpu'].
 */
export async function loadRuntime(runtime: RuntimeChoice, device: Device): Promise<LoadedRuntime> {
  if (!['auto', 'node', 'web'].includes(runtime)) {
    throw new MadmixError('invalid_parameter', `--runtime must be auto, node or web, got ${show(runtime)}`);
  }
  if (!['auto', 'cpu', 'cuda'].includes(device)) {
    throw new MadmixError('invalid_parameter', `--device must be auto, cpu or cuda, got ${show(device)}`);
  }
  const wantCuda = device === 'cuda' || (device === 'auto' && gpuPresent());
  if (runtime !== 'web') {
    try {
      const ort = (await import('onnxruntime-node')) as unknown as Ort;
      return { ort, name: 'onnxruntime-node', executionProviders: wantCuda ? ['cuda', 'cpu'] : ['cpu'] };
    } catch (error) {
      if (runtime === 'node') {
        throw new MadmixError('internal', `cannot load onnxruntime-node: ${(error as Error).message}; use --runtime web`);
      }
      process.stderr.write(`embed: onnxruntime-node is unavailable (${(error as Error).message}); using onnxruntime-web (wasm)\n`);
    }
  }
  if (device === 'cuda') {
    throw new MadmixError('invalid_parameter', '--device cuda needs onnxruntime-node; onnxruntime-web runs on the CPU only');
  }
  const ort = (await import('onnxruntime-web')) as Ort;
  return { ort, name: 'onnxruntime-web', executionProviders: ['wasm'] };
}

/**
 * Creates a session with the runtime's providers. When CUDA was only
 * auto-detected and its provider fails to load, it retries on the CPU.
 */
export async function createSession(
  runtime: LoadedRuntime,
  model: string | Uint8Array,
  device: Device,
): Promise<{ session: import('onnxruntime-web').InferenceSession; providers: string[] }> {
  const options = { executionProviders: runtime.executionProviders, graphOptimizationLevel: 'all' as const };
  try {
    return { session: await runtime.ort.InferenceSession.create(model as Uint8Array, options), providers: runtime.executionProviders };
  } catch (error) {
    if (device !== 'auto' || !runtime.executionProviders.includes('cuda')) throw error;
    process.stderr.write(`embed: the CUDA provider failed (${(error as Error).message}); running on the CPU\n`);
    const session = await runtime.ort.InferenceSession.create(model as Uint8Array, { ...options, executionProviders: ['cpu'] });
    return { session, providers: ['cpu'] };
  }
}
