import { expect, it } from 'vitest';
import { jsBackend } from '../../src/core/linalg/js.js';

it('js backend: gram of one row', () => {
  const out = new Float64Array(1);
  jsBackend.gramRows(Float64Array.of(3, 4), 1, 2, out);
  expect(out[0]).toBe(25);
});
