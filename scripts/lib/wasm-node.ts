import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { useWasm, type WasmBackend } from '../../src/core/linalg/index.js';

const KERNELS_URL = new URL('../../wasm/build/kernels.wasm', import.meta.url);

/** Reads and compiles wasm/build/kernels.wasm (built by `npm run build:wasm`). */
export async function loadWasmModule(): Promise<WebAssembly.Module> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(KERNELS_URL));
  } catch (error) {
    const path = fileURLToPath(KERNELS_URL);
    throw new Error(`Cannot read the WebAssembly kernels at ${path}; run \`npm run build:wasm\` first.`, { cause: error });
  }
  return WebAssembly.compile(bytes);
}

/** Loads the WASM-SIMD backend and makes it the one `getBackend()` returns. */
export async function loadWasmBackend(): Promise<WasmBackend> {
  return useWasm(await loadWasmModule());
}
