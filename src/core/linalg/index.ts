import type { LinalgBackend } from './backend.js';
import { jsBackend } from './js.js';
import { createWasmBackend, type WasmBackend } from './wasm.js';
import { MadmixError } from '../errors.js';

export type { LinalgBackend, Matrix } from './backend.js';
export { jsBackend } from './js.js';
export { createWasmBackend, type WasmBackend } from './wasm.js';

let current: LinalgBackend = jsBackend;
const instances = new WeakMap<WebAssembly.Module, WasmBackend>();

/** Returns the backend the mixture methods use: the WASM one once `useWasm` ran, else `jsBackend`. */
export function getBackend(): LinalgBackend {
  return current;
}

/** Replaces the backend `getBackend` returns (tests and benchmarks switch between the two). */
export function setBackend(backend: LinalgBackend): void {
  current = backend;
}

/** Instantiates the kernels once per module, makes them the current backend and returns them. */
export function useWasm(module: WebAssembly.Module): WasmBackend {
  let backend = instances.get(module);
  if (!backend) {
    backend = createWasmBackend(module);
    instances.set(module, backend);
  }
  current = backend;
  return backend;
}

/**
 * Async form of `useWasm`. The module is required: src/core does not read
 * files, so Node callers load it with `loadWasmBackend` from
 * scripts/lib/wasm-node.ts and the Worker imports kernels.wasm as a module.
 */
export async function wasmBackend(module?: WebAssembly.Module): Promise<LinalgBackend> {
  if (!module) {
    throw new MadmixError(
      'internal',
      'wasmBackend needs a compiled WebAssembly.Module; in Node call loadWasmBackend() from scripts/lib/wasm-node.ts.',
    );
  }
  return useWasm(module);
}
