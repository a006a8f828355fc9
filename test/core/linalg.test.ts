import { beforeAll, describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import type { WasmBackend } from '../../src/core/linalg/index.js';
import { getBackend, jsBackend, setBackend } from '../../src/core/linalg/index.js';
import { loadWasmBackend } from '../../scripts/lib/wasm-node.js';

// Tolerances: WASM and JS sum in different orders, so results agree to
// RELATIVE (max abs difference / max abs entry of the reference). Algebraic
// identities (L L^T = A + shift I, A V = V D, V^T V = I) hold to IDENTITY
// relative to the largest entry or eigenvalue.
const RELATIVE = 1e-12;
const IDENTITY = 1e-10;

let wasm: WasmBackend;

beforeAll(async () => {
  wasm = await loadWasmBackend();
  setBackend(jsBackend);
});

// Deterministic uniform values in [-1, 1) from a linear congruential generator.
function random(length: number, seed: number, f32 = false): Float64Array | Float32Array {
  const values = f32 ? new Float32Array(length) : new Float64Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / (scale || 1);
}

function gram(x: Float64Array | Float32Array, rows: number, cols: number): Float64Array {
  const k = new Float64Array(rows * rows);
  jsBackend.gramRows(x, rows, cols, k);
  return k;
}

function multiply(a: Float64Array, b: Float64Array, n: number, transposeB = false): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += a[i * n + p] * (transposeB ? b[j * n + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

const SHAPES: Array<[number, number]> = [
  [0, 4], [3, 0], [1, 1], [1, 3], [3, 5], [5, 17], [7, 1023], [17, 3], [65, 33], [131, 1023],
];

describe.each([false, true])('linalg wasm vs js (f32 input: %s)', (f32) => {
  it.each(SHAPES)('gramRows: %i x %i', (rows, cols) => {
    const x = random(rows * cols, rows * 31 + cols, f32);
    const expected = new Float64Array(rows * rows).fill(0.5);
    const actual = new Float64Array(rows * rows).fill(0.5);
    jsBackend.gramRows(x, rows, cols, expected);
    wasm.gramRows(x, rows, cols, actual);
    expect(relativeError(actual, expected)).toBeLessThan(RELATIVE);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < i; j++) expect(actual[i * rows + j]).toBe(actual[j * rows + i]);
    }
  });

  // The cols x cols output of X^T X makes 1023 columns slow in the JS reference.
  it.each(SHAPES.filter(([, cols]) => cols <= 200))('gramCols: %i x %i', (rows, cols) => {
    const x = random(rows * cols, rows * 7 + cols, f32);
    const expected = new Float64Array(cols * cols).fill(-0.25);
    const actual = new Float64Array(cols * cols).fill(-0.25);
    jsBackend.gramCols(x, rows, cols, expected);
    wasm.gramCols(x, rows, cols, actual);
    expect(relativeError(actual, expected)).toBeLessThan(RELATIVE);
  });

  it.each(SHAPES)('matVec and matTVec: %i x %i', (rows, cols) => {
    const a = random(rows * cols, rows + cols * 3, f32);
    const x = random(cols, 5) as Float64Array;
    const y = random(rows, 6) as Float64Array;
    expect(relativeError(wasm.matVec(a, rows, cols, x), jsBackend.matVec(a, rows, cols, x))).toBeLessThan(RELATIVE);
    expect(relativeError(wasm.matTVec(a, rows, cols, y), jsBackend.matTVec(a, rows, cols, y))).toBeLessThan(RELATIVE);
  });
});

describe('linalg wasm factorizations', () => {
  it.each([1, 2, 3, 5, 17, 63, 64, 65, 130])('cholesky: n = %i matches js and L L^T', (n) => {
    const a = gram(random(n * (n + 3), n), n, n + 3);
    const shift = 0.75;
    const l = wasm.cholesky(a, n, shift);
    expect(relativeError(l, jsBackend.cholesky(a, n, shift))).toBeLessThan(RELATIVE);
    const shifted = Float64Array.from(a);
    for (let i = 0; i < n; i++) shifted[i * n + i] += shift;
    expect(relativeError(multiply(l, l, n, true), shifted)).toBeLessThan(IDENTITY);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
  });

  it.each([[1, 1], [5, 1], [17, 3], [130, 4]])('choleskySolve: n = %i, %i right-hand sides', (n, nrhs) => {
    const a = gram(random(n * n, n + 1), n, n);
    const l = jsBackend.cholesky(a, n, 2);
    const b = random(n * nrhs, 9) as Float64Array;
    const y = wasm.choleskySolve(l, n, b, nrhs);
    expect(relativeError(y, jsBackend.choleskySolve(l, n, b, nrhs))).toBeLessThan(RELATIVE);
    // (A + 2 I) y reproduces b.
    for (let r = 0; r < nrhs; r++) {
      const column = Float64Array.from({ length: n }, (_, i) => y[i * nrhs + r]);
      const back = jsBackend.matVec(a, n, n, column).map((v, i) => v + 2 * column[i]);
      expect(relativeError(back, Float64Array.from({ length: n }, (_, i) => b[i * nrhs + r]))).toBeLessThan(IDENTITY);
    }
  });

  it('cholesky: zero size returns empty factor', () => {
    expect(wasm.cholesky(new Float64Array(0), 0, 1).length).toBe(0);
    expect(wasm.choleskySolve(new Float64Array(0), 0, new Float64Array(0), 1).length).toBe(0);
  });

  it.each(['wasm', 'js'])('cholesky: %s rejects indefinite matrix', (name) => {
    const backend = name === 'wasm' ? wasm : jsBackend;
    // Eigenvalues 3 and -1: the pivot at row 1 is 1 - 4 = -3.
    const a = Float64Array.of(1, 2, 2, 1);
    let caught: unknown;
    try {
      backend.cholesky(a, 2, 0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MadmixError);
    expect((caught as MadmixError).code).toBe('invalid_parameter');
    expect((caught as MadmixError).details).toEqual({ row: 1, pivot: -3 });
  });

  it('cholesky: wasm and js fail at same row', () => {
    const a = gram(random(70 * 20, 3), 70, 20); // rank 20, so indefinite with a negative shift
    const failedRow = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as MadmixError).details?.row;
      }
      return undefined;
    };
    const row = failedRow(() => jsBackend.cholesky(a, 70, -1));
    expect(row).toBeTypeOf('number');
    expect(failedRow(() => wasm.cholesky(a, 70, -1))).toBe(row);
  });

  it.each([0, 1, 2, 3, 5, 17, 64, 97])('symmetricEigen: n = %i gives A V = V D', (n) => {
    const a = gram(random(n * 4, n + 11), n, 4); // rank at most 4: repeated zero eigenvalues
    for (let i = 0; i < n; i++) a[i * n + i] += i % 3; // break the pattern a little
    const { values, vectors } = wasm.symmetricEigen(a, n, true);
    const reference = jsBackend.symmetricEigen(a, n, false);
    expect(relativeError(values, reference.values)).toBeLessThan(RELATIVE);
    for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    const v = vectors as Float64Array;
    const av = multiply(a, v, n);
    const vd = v.map((x, index) => x * values[index % n]);
    expect(relativeError(av, vd)).toBeLessThan(IDENTITY);
    const identity = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    const vtv = multiply(Float64Array.from({ length: n * n }, (_, i) => v[(i % n) * n + Math.floor(i / n)]), v, n);
    expect(relativeError(vtv, identity)).toBeLessThan(IDENTITY);
  });

  it('symmetricEigen: js matches wasm without vectors', () => {
    const n = 120;
    const a = gram(random(n * 300, 4), n, 300);
    const values = wasm.symmetricEigen(a, n, false).values;
    expect(relativeError(values, jsBackend.symmetricEigen(a, n, true).values)).toBeLessThan(RELATIVE);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(Math.abs(values.reduce((s, x) => s + x, 0) - trace) / trace).toBeLessThan(IDENTITY);
  });
});

describe('linalg wasm memory', () => {
  it('memory: repeated calls do not grow it', () => {
    const run = () => {
      const x = random(40 * 900, 2);
      const k = new Float64Array(40 * 40);
      wasm.gramRows(x, 40, 900, k);
      const l = wasm.cholesky(k, 40, 1);
      wasm.choleskySolve(l, 40, new Float64Array(40).fill(1), 1);
      wasm.symmetricEigen(k, 40, true);
      try {
        wasm.cholesky(k, 40, -1e9);
      } catch {
        // the failed call must release its buffers too
      }
    };
    run();
    const after = wasm.memoryBytes();
    for (let i = 0; i < 50; i++) run();
    expect(wasm.memoryBytes()).toBe(after);
  });

  it('memory: over 4 GiB raises problem_too_large', () => {
    const rows = 40_000;
    const cols = 20_000; // 40000 x 40000 f64 Gram alone is 12.8 GB
    const x = new Float32Array(1);
    let caught: unknown;
    try {
      wasm.gramRows(x, rows, cols, new Float64Array(1));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MadmixError);
    expect((caught as MadmixError).code).toBe('problem_too_large');
    expect((caught as MadmixError).message).toContain('40000 x 20000');
  });

  it('backend: getBackend follows setBackend', () => {
    setBackend(wasm);
    expect(getBackend().name).toBe('wasm');
    setBackend(jsBackend);
    expect(getBackend().name).toBe('js');
  });
});
