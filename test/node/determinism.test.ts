import { describe, expect, it } from 'vitest';
import type { LinalgBackend } from '../../src/core/linalg/backend.js';
import { jsBackend } from '../../src/core/linalg/js.js';
import type { MethodName } from '../../src/core/methods/types.js';
import { computeMixture, METHODS } from '../../src/core/mix.js';
import type { StatsSet } from '../../src/core/stats/types.js';
import { loadWasmBackend } from '../../scripts/lib/wasm-node.js';
import { fixtureToStats, loadFixtures, randomStats } from '../core/fixture-helpers.js';

// Tolerance between the WASM-SIMD and the plain JS backend: 1e-12 absolute on every weight (weights lie in [0, 1]).
const WASM_JS_TOLERANCE = 1e-12;

interface Case {
  label: string;
  set: StatsSet;
  method: MethodName;
  params: Record<string, unknown>;
}

/** Every method on `set`: the given runs plus each method with its defaults, naming the first modality where one is required. */
function casesFor(label: string, set: StatsSet, runs: { method: string; params: Record<string, unknown> }[]): Case[] {
  const modality = set.modalities[0].name;
  const defaults = METHODS.map((method) => {
    const params: Record<string, unknown> = {};
    if (method === 'modality' || method === 'chameleon') params.modality = modality;
    if (method === 'manual') params.weights = Object.fromEntries(set.domains.map((d, i) => [d.name, i + 1]));
    return { method, params };
  });
  // Size baselines need samples on every domain; the centroid fixtures without them skip those methods.
  const sized = set.domains.every((d) => d.samples !== undefined);
  const usable = defaults.filter((r) => sized || !['proportional', 'temperature', 'unimax'].includes(r.method));
  return [...runs, ...usable].map((r) => ({ label, set, method: r.method as MethodName, params: r.params }));
}

const fixtureCases = loadFixtures().flatMap((f) => casesFor(f.name, fixtureToStats(f), f.runs));
const large = randomStats(96, { image: 384, text: 256, video: 128 }, 2026, (i, v) => v === 'video' && i % 3 === 0);
const largeCases = casesFor('random-96', large, [{ method: 'madmix', params: { lambda: 0.1, normalize: 'l2' } }]);

async function weights(c: Case, backend: LinalgBackend): Promise<Float64Array> {
  const result = await computeMixture(c.set, { method: c.method, params: c.params }, { backend });
  return Float64Array.from(c.set.domains.map((d) => result.weights[d.name]));
}

const bits = (w: Float64Array) => Array.from(new BigUint64Array(w.buffer));

describe('determinism: node', () => {
  const maxDiff = { absolute: 0, relative: 0, cases: 0 };

  it('determinism: backends repeat and agree', async () => {
    const wasm = await loadWasmBackend();
    for (const c of [...fixtureCases, ...largeCases]) {
      const name = `${c.label} ${c.method} ${JSON.stringify(c.params)}`;
      const [w1, w2] = [await weights(c, wasm), await weights(c, wasm)];
      const [j1, j2] = [await weights(c, jsBackend), await weights(c, jsBackend)];
      expect(bits(w2), `${name}: WASM run to run`).toEqual(bits(w1));
      expect(bits(j2), `${name}: JS run to run`).toEqual(bits(j1));
      for (let i = 0; i < w1.length; i++) {
        const diff = Math.abs(w1[i] - j1[i]);
        maxDiff.absolute = Math.max(maxDiff.absolute, diff);
        if (j1[i] > 0) maxDiff.relative = Math.max(maxDiff.relative, diff / j1[i]);
        expect(diff, `${name}: domain ${i}`).toBeLessThanOrEqual(WASM_JS_TOLERANCE);
      }
      maxDiff.cases++;
    }
    console.log(JSON.stringify({ determinism: { node: maxDiff } }));
    expect(maxDiff.cases).toBe(fixtureCases.length + largeCases.length);
  });
});
