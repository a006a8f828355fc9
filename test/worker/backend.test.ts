import { describe, expect, it } from 'vitest';
import { backendFrom, workerBackend } from '../../src/worker/backend';

describe('worker backend', () => {
  it('bundled module: WebAssembly backend', async () => {
    expect((await workerBackend()).name).toBe('wasm');
  });

  it('same backend for every call', async () => {
    expect(await workerBackend()).toBe(await workerBackend());
  });

  it('broken module: falls back to JS', async () => {
    // workerd cannot compile WebAssembly at run time, so a plain object plays the broken module.
    const fallback = await backendFrom({} as WebAssembly.Module);
    expect(fallback.name).toBe('js');
  });
});
