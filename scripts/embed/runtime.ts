import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

/** Module loaders, GPU probe and stderr used by runtime selection, so tests can replace them. */
export interface RuntimeEnvironment {
  importNode: () => Promise<unknown>;
  importWeb: () => Promise<unknown>;
  /** True when an NVIDIA GPU is present. */
  gpuPresent: () => boolean;
  /** Path of the missing CUDA provider library, or undefined when the provider is installed. */
  missingCudaProvider: (ort: Ort) => string | undefined;
  stderr: { write(text: string): unknown };
}

const INSTALL_CUDA = 'on a machine with an NVIDIA GPU run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`';

/** True when an NVIDIA GPU device node exists (the CUDA provider needs one). */
export function gpuPresent(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/proc/driver/nvidia/version');
}

/**
 * Returns the path of the CUDA provider library when onnxruntime-node lacks it.
 * The linux-x64 binding lists CUDA as not bundled, because the provider library
 * is a separate download that `.npmrc` skips.
 */
export function missingCudaProvider(ort: Ort): string | undefined {
  const list = (ort as unknown as { listSupportedBackends?: () => Array<{ name: string; bundled: boolean }> }).listSupportedBackends;
  const cuda = list?.().find((backend) => backend.name === 'cuda');
  const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  // The install script of onnxruntime-node 1.31 puts the provider next to the binding in bin/napi-v6/<platform>/<arch>.
  const folder = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const path = join(folder, library);
  if (cuda?.bundled) return undefined;
  return cuda && existsSync(path) ? undefined : path;
}

export const realEnvironment: RuntimeEnvironment = {
  importNode: () => import('onnxruntime-node'),
  importWeb: () => import('onnxruntime-web'),
  gpuPresent,
  missingCudaProvider,
  stderr: process.stderr,
};

function checkChoices(runtime: RuntimeChoice, device: Device): void {
  if (!['auto', 'node', 'web'].includes(runtime)) {
    throw new MadmixError('invalid_parameter', `--runtime must be auto, node or web, got ${show(runtime)}`);
  }
  if (!['auto', 'cpu', 'cuda'].includes(device)) {
    throw new MadmixError('invalid_parameter', `--device must be auto, cpu or cuda, got ${show(device)}`);
  }
  if (runtime === 'web' && device === 'cuda') {
    throw new MadmixError('invalid_parameter', '--device cuda needs --runtime node or auto, because onnxruntime-web runs on the CPU only');
  }
}

/** Picks the execution providers of onnxruntime-node for `device`, and throws when `cuda` is requested but not installed. */
function nodeProviders(ort: Ort, device: Device, env: RuntimeEnvironment): string[] {
  if (device === 'cpu' || (device === 'auto' && !env.gpuPresent())) return ['cpu'];
  const missing = env.missingCudaProvider(ort);
  if (missing === undefined) return ['cuda', 'cpu'];
  if (device === 'cuda') {
    throw new MadmixError('invalid_parameter', `--device cuda failed: the CUDA execution provider of onnxruntime-node is not installed (${missing} not found); ${INSTALL_CUDA}, or pass --device cpu`);
  }
  env.stderr.write(`embed: an NVIDIA GPU is present but the CUDA execution provider of onnxruntime-node is not installed, so running on the CPU; ${INSTALL_CUDA}\n`);
  return ['cpu'];
}

/**
 * Loads onnxruntime-node, or onnxruntime-web (wasm, CPU only) when `runtime` is
 * `web`, or `auto` and the native package cannot be loaded. Device `cuda` requests
 * ['cuda', 'cpu'] and fails without the CUDA provider. Device `auto` does the
 * same on a machine with an NVIDIA GPU and the provider, and uses the CPU otherwise.
 */
export async function loadRuntime(runtime: RuntimeChoice, device: Device, env: RuntimeEnvironment = realEnvironment): Promise<LoadedRuntime> {
  checkChoices(runtime, device);
  if (runtime !== 'web') {
    let ort: Ort | undefined;
    try {
      ort = (await env.importNode()) as Ort;
    } catch (error) {
      const reason = (error as Error).message;
      if (runtime === 'node' || device === 'cuda') {
        throw new MadmixError(
          'invalid_parameter',
          `cannot load onnxruntime-node (${reason}); install it with \`ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node\` ` +
            `(the CPU provider ships inside the package, and for CUDA ${INSTALL_CUDA}), or pass --runtime web --device cpu`,
        );
      }
      env.stderr.write(`embed: cannot load onnxruntime-node (${reason}), so using onnxruntime-web (wasm, CPU only), which is slower\n`);
    }
    if (ort) return { ort, name: 'onnxruntime-node', executionProviders: nodeProviders(ort, device, env) };
  }
  const ort = (await env.importWeb()) as Ort;
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
  stderr: { write(text: string): unknown } = process.stderr,
): Promise<{ session: import('onnxruntime-web').InferenceSession; providers: string[] }> {
  const options = { executionProviders: runtime.executionProviders, graphOptimizationLevel: 'all' as const };
  try {
    return { session: await runtime.ort.InferenceSession.create(model as Uint8Array, options), providers: runtime.executionProviders };
  } catch (error) {
    if (device !== 'auto' || !runtime.executionProviders.includes('cuda')) throw error;
    stderr.write(`embed: the CUDA provider failed (${(error as Error).message}), so running on the CPU\n`);
    const session = await runtime.ort.InferenceSession.create(model as Uint8Array, { ...options, executionProviders: ['cpu'] });
    return { session, providers: ['cpu'] };
  }
}
