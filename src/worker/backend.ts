import kernels from '../../wasm/build/kernels.wasm';
import type { LinalgBackend } from '../core/linalg/backend.js';
import { jsBackend } from '../core/linalg/js.js';
import { createWasmBackend } from '../core/linalg/wasm.js';
import { logLine } from './log.js';

let backend: Promise<LinalgBackend> | undefined;

/** Instantiates `module` as the WebAssembly backend, or returns the plain TypeScript one (and logs) when that fails. */
export async function backendFrom(module: WebAssembly.Module): Promise<LinalgBackend> {
  try {
    return createWasmBackend(module);
  } catch (err) {
    logLine('error', 'WebAssembly backend failed to instantiate; using the JS backend', { error: String(err) });
    return jsBackend;
  }
}

/** Returns the linear algebra backend of this isolate, created on first use, so a failure is logged once. */
export function workerBackend(): Promise<LinalgBackend> {
  backend ??= backendFrom(kernels);
  return backend;
}
