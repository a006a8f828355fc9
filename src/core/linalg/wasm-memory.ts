import { MadmixError } from '../errors.js';

/** The exports of wasm/build/kernels.wasm (pointers are byte offsets). */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  reset(): void;
  heapBase(): number;
  gramRows64(x: number, rows: number, cols: number, g: number, out: number): void;
  gramRows32(x: number, rows: number, cols: number, g: number, out: number): void;
  matVec64(a: number, rows: number, cols: number, x: number, y: number): void;
  matVec32(a: number, rows: number, cols: number, x: number, y: number): void;
  matTVec64(a: number, rows: number, cols: number, x: number, y: number): void;
  matTVec32(a: number, rows: number, cols: number, x: number, y: number): void;
  cholesky(l: number, n: number): number;
  lastPivot(): number;
  choleskySolve(l: number, n: number, y: number, nrhs: number): void;
  symmetricEigen(v: number, n: number, d: number, e: number, g: number, w: number, vectors: number): number;
}

// The kernels' allocator stops one 64 KiB page short of the 4 GiB wasm32 address space.
const ADDRESS_LIMIT = 65535 * 65536;
const MIB = 1024 * 1024;

/**
 * Per-call view of the kernels' bump allocator: `reserve` resets it, checks
 * the total size against the wasm32 limit and returns one pointer per buffer.
 * Views must be taken after `reserve`, because growing memory detaches old views.
 */
export class WasmArena {
  constructor(private readonly kernels: KernelExports) {}

  reserve(problem: string, byteSizes: number[]): number[] {
    this.kernels.reset();
    const aligned = byteSizes.map((bytes) => Math.ceil(bytes / 16) * 16);
    const total = aligned.reduce((sum, bytes) => sum + bytes, 0);
    if (this.kernels.heapBase() + total > ADDRESS_LIMIT) {
      throw tooLarge(problem, total, 'more than the 4 GiB a wasm32 module can address');
    }
    return aligned.map((bytes) => {
      const ptr = this.kernels.alloc(bytes);
      if (ptr === 0) throw tooLarge(problem, total, 'more than this runtime lets WebAssembly memory grow to');
      return ptr;
    });
  }

  /** Drops all buffers; memory keeps its size for the next call. */
  release(): void {
    this.kernels.reset();
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.kernels.memory.buffer, ptr, length);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, length);
  }

  bytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }
}

function tooLarge(problem: string, bytes: number, limit: string): MadmixError {
  const mib = Math.ceil(bytes / MIB);
  return new MadmixError(
    'problem_too_large',
    `The ${problem} needs ${mib} MiB of WebAssembly memory, ${limit}; use fewer domains, smaller embeddings, or the JS backend.`,
    { problem, bytes },
  );
}
