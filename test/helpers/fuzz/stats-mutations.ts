import type { Rng } from './rng.js';
import { HOSTILE_NAMES, hostileValue } from './values.js';

type Json = Record<string, any>;

/** Builds a valid stats JSON set with `k` domains and modalities image (dim 3) and text (dim 2). */
export function validStatsJson(k = 3, seed = 1): Json {
  return {
    format: 'madmix.stats',
    version: 1,
    modalities: { image: { dim: 3 }, text: { dim: 2 } },
    domains: Array.from({ length: k }, (_, i) => ({
      name: `dom-${seed}-${i}`,
      samples: 10 * (i + 1),
      stats: { image: { count: 2, sum: [i + seed, 1, -i] }, text: { count: 1, sum: [seed, i * 0.5] } },
    })),
  };
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** One hostile change to a valid stats JSON set; returns the JSON text (some changes are only expressible as text). */
export function mutateStatsJson(rng: Rng, base: Json): string {
  const set = clone(base);
  const d = set.domains[rng.int(set.domains.length)];
  const mutations: (() => string | void)[] = [
    () => void (set.domains[1].name = set.domains[0].name),
    () => void (d.name = rng.pick(HOSTILE_NAMES)),
    () => void (d.stats.image.sum[rng.int(3)] = rng.pick(['NaN', 'Infinity', '-Infinity', null, '1'])),
    () => JSON.stringify(set).replace(/"sum":\[[^\]]*\]/, '"sum":[1e999,1,1]'),
    () => void (d.stats.image.sum = [1, 2]),
    () => void (d.stats.image.sum = Array(100_000).fill(1)),
    () => void (d.stats.image.count = rng.pick([-1, 0, 1.5, 2 ** 64, 'two', null, 1e308])),
    () => void (set.modalities.image.dim = rng.pick([0, -3, 1.5, 1e9, 2 ** 31, 'three', null])),
    () => void (set.modalities = {}),
    () => void (set.modalities = { [rng.pick(HOSTILE_NAMES)]: { dim: 3 } }),
    () => void (set.domains = []),
    () => void (set.domains = [d]),
    () => void (set.domains = Array.from({ length: 600 }, (_, i) => ({ ...clone(d), name: `n${i}` }))),
    () => void (set.format = hostileValue(rng)),
    () => void (set.version = rng.pick([0, 2, '1', null, 1.5])),
    () => void (set.extra = { unknown: true }),
    () => void (d.samples = hostileValue(rng)),
    () => void (d.tokens = rng.pick([-1, 1e400, 'many', 2 ** 60])),
    () => void (d.datasets = [{ name: rng.pick(HOSTILE_NAMES), samples: hostileValue(rng) }]),
    () => void (set.meta = { [rng.pick(HOSTILE_NAMES)]: hostileValue(rng) }),
    () => void delete d.stats.image,
    () => void (d.stats = {}),
    () => void (d.stats.video = { count: 1, sum: [1] }),
    () => void (set.domains[0] = hostileValue(rng)),
    () => void (set.modalities.image = hostileValue(rng)),
    () => void (d.stats.image.sum = Array(3).fill(0)),
    () => void (set.domains.forEach((x: Json) => (x.stats.image.sum = [1, 1, 1], x.stats.text.sum = [1, 1]))),
    // Centroids form with hostile pieces.
    () => JSON.stringify({ modalities: ['image'], domains: [{ name: 'a', embeddings: { image: [1, 'NaN'] } }, { name: 'a', embeddings: { image: [1, 2] } }] }),
    () => JSON.stringify({ modalities: hostileValue(rng), domains: hostileValue(rng) }),
  ];
  return rng.pick(mutations)() ?? JSON.stringify(set);
}

/** Splits safetensors bytes into the header object and the data. */
export function splitSafetensors(bytes: Uint8Array): { header: Json; data: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return { header, data: bytes.slice(8 + length) };
}

/** Joins a header (object or raw text) and data into safetensors bytes, with `lengthOverride` as a lying length. */
export function joinSafetensors(header: Json | string, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** Applies one hostile change to valid madmix safetensors bytes. */
export function mutateSafetensors(rng: Rng, bytes: Uint8Array): Uint8Array {
  const { header, data } = splitSafetensors(bytes);
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  const t = header[rng.pick(names)];
  const meta = header.__metadata__;
  const mutations: (() => Uint8Array | void)[] = [
    () => joinSafetensors(header, data, BigInt(bytes.length) * 4n),
    () => joinSafetensors(header, data, 2n ** 63n),
    () => joinSafetensors(header, data, 0n),
    () => joinSafetensors('{"a":', data),
    () => joinSafetensors('[]', data),
    () => bytes.slice(0, rng.int(bytes.length)),
    () => void (t.data_offsets = [0, data.length + 8 * (1 + rng.int(100))]),
    () => void (t.data_offsets = [t.data_offsets[1], t.data_offsets[0]]),
    () => void (t.data_offsets = [-8, t.data_offsets[1]]),
    () => void (t.data_offsets = [0, t.data_offsets[1] - t.data_offsets[0]]),
    () => void (t.data_offsets = [1.5, 'x']),
    () => void (t.dtype = rng.pick(['F32', 'BF16', 'I64', 'U8', 'XYZ', 'F64', '', null])),
    () => void (t.shape = [t.shape[0], (t.shape[1] ?? 1) + 1]),
    () => void (t.shape = [0, 3]),
    () => void ((t.shape = [0]), (t.data_offsets = [0, 0])),
    () => void (t.shape = [-1, 2 ** 40]),
    () => void (t.shape = hostileValue(rng)),
    () => void (header[`sum.${rng.pick(HOSTILE_NAMES)}`] = { dtype: 'F64', shape: [0, 0], data_offsets: [0, 0] }),
    () => void delete header[names[0]],
    () => void (header.extra = { dtype: 'F64', shape: [1], data_offsets: [0, 8] }),
    () => void (meta.domains = JSON.stringify(['same', 'same', 'same'].slice(0, JSON.parse(meta.domains).length))),
    () => void (meta.domains = rng.pick(['not json', '[]', '[1,2,3]', '{}', JSON.stringify([rng.pick(HOSTILE_NAMES), 'b', 'c'])])),
    () => void (meta.format = rng.pick(['madmix.stats/2', '', 'safetensors'])),
    () => void (meta.modalities = rng.pick(['{', '[]', '{"image":1}'])),
    () => void (meta.sizes = rng.pick(['[{"samples":-1}]', '[{"samples":"NaN"}]', 'null'])),
    () => void (header.__metadata__ = { nested: { not: 'a string' } }),
    () => void delete header.__metadata__,
    () => overwriteFloat(data, rng, rng.pick([NaN, Infinity, -Infinity, 1e308, -0, 5e-324])),
    () => overwriteCount(header, data, rng, rng.pick([-1n, 2n ** 63n - 1n, 0n, 2n ** 53n + 1n])),
    () => flipBytes(bytes, rng),
  ];
  const changed = rng.pick(mutations)();
  return changed ?? joinSafetensors(header, data);
}

function overwriteFloat(data: Uint8Array, rng: Rng, value: number): Uint8Array | void {
  if (data.length < 8) return;
  new DataView(data.buffer, data.byteOffset).setFloat64(8 * rng.int(Math.floor(data.length / 8)), value, true);
}

function overwriteCount(header: Json, data: Uint8Array, rng: Rng, value: bigint): void {
  const counts = Object.keys(header).filter((n) => n.startsWith('count.'));
  if (!counts.length) return;
  const [begin] = header[rng.pick(counts)].data_offsets;
  new DataView(data.buffer, data.byteOffset).setBigInt64(begin, value, true);
}

function flipBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < 1 + rng.int(8); i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
}
