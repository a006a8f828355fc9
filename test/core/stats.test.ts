import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import {
  centroid,
  hashStats,
  parseSafetensors,
  parseStats,
  parseStatsJson,
  statsToJson,
  statsToSafetensors,
  summarizeStats,
  type StatsSet,
} from '../../src/core/stats/index.js';

const FIXTURES = join(__dirname, '../fixtures/mixtures');
const fixtureNames = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));

function readFixture(name: string): { text: string; raw: any } {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  return { text, raw: JSON.parse(text) };
}

function sampleSet(): StatsSet {
  return {
    modalities: [
      { name: 'image', dim: 3, model: 'mobilenetv2-12-float', layer: 'emb' },
      { name: 'text', dim: 2 },
    ],
    domains: [
      {
        name: 'charts',
        samples: 170,
        tokens: 2000,
        datasets: [{ name: 'chartqa', samples: 100 }, { name: 'plotqa', tokens: 7 }],
        stats: {
          image: { count: 170, sum: Float64Array.of(0.1, -0, 1e-300) },
          text: { count: 170, sum: Float64Array.of(Math.PI, -1.5e300) },
        },
      },
      { name: 'language', stats: { text: { count: 3, sum: Float64Array.of(1 / 3, 2 / 3) } } },
    ],
    meta: { seed: '7', corpus: 'demo' },
  };
}

function expectSameBits(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  expect(new Uint8Array(actual.buffer)).toEqual(new Uint8Array(expected.buffer));
}

function expectSameSet(actual: StatsSet, expected: StatsSet): void {
  expect(actual.modalities).toEqual(expected.modalities);
  expect(actual.domains.map((domain) => domain.name)).toEqual(expected.domains.map((domain) => domain.name));
  expected.domains.forEach((domain, index) => {
    const other = actual.domains[index];
    expect(Object.keys(other.stats)).toEqual(Object.keys(domain.stats));
    for (const [modality, stats] of Object.entries(domain.stats)) {
      expect(other.stats[modality].count).toBe(stats.count);
      expectSameBits(other.stats[modality].sum, stats.sum);
    }
    expect(other.samples).toBe(domain.samples);
    expect(other.tokens).toBe(domain.tokens);
    expect(other.datasets).toEqual(domain.datasets);
  });
}

describe('stats round trips', () => {
  it('json: stats form round trip is bit-exact, -0 included', () => {
    const set = sampleSet();
    const parsed = parseStatsJson(statsToJson(set));
    expectSameSet(parsed, set);
    expect(parsed.meta).toEqual({ corpus: 'demo', seed: '7' });
    expect(Object.is(parsed.domains[0].stats.image.sum[1], -0)).toBe(true);
  });

  it('safetensors: round trip is bit-exact', () => {
    const set = sampleSet();
    const parsed = parseSafetensors(statsToSafetensors(set));
    expectSameSet(parsed, set);
    expect(parsed.meta).toEqual(set.meta);
  });

  it('json and safetensors: cross round trip gives identical bytes', () => {
    const set = sampleSet();
    const bytes = statsToSafetensors(set);
    const viaJson = statsToSafetensors(parseStatsJson(statsToJson(parseSafetensors(bytes))));
    expect(viaJson).toEqual(bytes);
    expect(statsToJson(parseSafetensors(bytes))).toBe(statsToJson(set));
  });

  it('safetensors: layout is 8-byte aligned with sorted tensors', () => {
    const bytes = statsToSafetensors(sampleSet());
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(Object.keys(header)).toEqual(['__metadata__', 'count.image', 'count.text', 'sum.image', 'sum.text']);
    expect(Object.keys(header.__metadata__)).toEqual(['domains', 'format', 'meta', 'modalities', 'sizes']);
    expect(header.__metadata__.format).toBe('madmix.stats/1');
    expect(header['sum.image']).toEqual({ dtype: 'F64', shape: [2, 3], data_offsets: [32, 80] });
    expect(header['count.image']).toEqual({ dtype: 'I64', shape: [2], data_offsets: [0, 16] });
    // The domain without an image has count 0 and a zero row.
    expect(view.getBigInt64(8 + headerLength + 8, true)).toBe(0n);
    expect(bytes.length).toBe(8 + headerLength + 16 + 16 + 48 + 32);
  });

  it('json: empty meta and absent meta encode alike', () => {
    const withEmpty = { ...sampleSet(), meta: {} };
    const without = { ...sampleSet(), meta: undefined };
    expect(statsToJson(withEmpty)).toBe(statsToJson(without));
    expect(statsToSafetensors(withEmpty)).toEqual(statsToSafetensors(without));
  });
});

describe('stats centroids form', () => {
  it.each(fixtureNames)('json: fixture %s reads as count-1 statistics', (name) => {
    const { text, raw } = readFixture(name);
    const set = parseStatsJson(text);
    expect(set.modalities.map((modality) => modality.name)).toEqual(raw.modalities);
    for (const modality of set.modalities) expect(modality.dim).toBe(raw.dim);
    expect(set.meta).toEqual({ name: raw.name });
    raw.domains.forEach((domain: any, index: number) => {
      const parsed = set.domains[index];
      expect(parsed.name).toBe(domain.name);
      expect(parsed.samples).toBe(domain.samples);
      expect(Object.keys(parsed.stats).sort()).toEqual(Object.keys(domain.embeddings).sort());
      for (const [modality, embedding] of Object.entries<number[]>(domain.embeddings)) {
        expect(parsed.stats[modality].count).toBe(1);
        expect(Array.from(centroid(parsed.stats[modality]))).toEqual(embedding);
      }
    });
    expectSameSet(parseSafetensors(statsToSafetensors(set)), set);
  });

  it('json: centroids form infers dim without a dim key', () => {
    const set = parseStatsJson(JSON.stringify({ domains: [{ name: 'a', embeddings: { text: [1, 2] } }, { name: 'b', embeddings: { text: [3, 4] } }] }));
    expect(set.modalities).toEqual([{ name: 'text', dim: 2 }]);
  });

  it('json: centroids modality outside the list is rejected', () => {
    const text = JSON.stringify({ modalities: ['text'], domains: [{ name: 'a', embeddings: { image: [1] } }] });
    expect(() => parseStatsJson(text)).toThrow(/"image".*add it to that list/);
  });

  it('json: modality named __proto__ rejected, not dropped', () => {
    const text = '{"domains": [{"name": "a", "embeddings": {"text": [1], "__proto__": [2]}}, {"name": "b", "embeddings": {"text": [3]}}]}';
    expect(() => parseStatsJson(text)).toThrow(/domains\[0\]\.embeddings key "__proto__" is a property of every JavaScript object/);
  });

  it('json: listed modality "constructor" rejected, not a TypeError', () => {
    const text = JSON.stringify({ modalities: ['text', 'constructor'], domains: [{ name: 'a', embeddings: { text: [1], constructor: [2] } }, { name: 'b', embeddings: { text: [3] } }] });
    expect(() => parseStatsJson(text)).toThrow(MadmixError);
    expect(() => parseStatsJson(text)).toThrow(/modalities\[1\] "constructor" .* rename it/);
  });

  it('centroid: divides sum by count', () => {
    expect(Array.from(centroid({ count: 4, sum: Float64Array.of(2, -6) }))).toEqual([0.5, -1.5]);
    expect(() => centroid({ count: 0, sum: Float64Array.of(1) })).toThrow(MadmixError);
  });
});

describe('stats json errors', () => {
  it('json: syntax error reports line and column', () => {
    try {
      parseStatsJson('{\n  "domains": [1,\n  ]\n}');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MadmixError);
      expect((error as MadmixError).code).toBe('invalid_json');
      expect((error as MadmixError).message).toMatch(/line 3, column 3/);
      expect((error as MadmixError).details).toEqual({ line: 3, column: 3, offset: 21 });
    }
  });

  it('json: a NaN literal is named, with the reason and the fix', () => {
    const error = (() => {
      try {
        parseStatsJson('{"modalities":{"t":{"dim":1}},"domains":[{"name":"a","stats":{"t":{"count":1,"sum":[NaN]}}}]}');
      } catch (e) {
        return e as MadmixError;
      }
    })()!;
    expect(error.code).toBe('invalid_json');
    expect(error.message).toContain('not NaN: NaN and Infinity are not valid JSON');
    expect(error.message).not.toMatch(/request body|upload/);
  });

  it('json: -Infinity literal is named', () => {
    expect(() => parseStatsJson('{"a": -Infinity}')).toThrow(/not -Infinity/);
  });

  it('json: a key twice in one object is invalid_json naming the key', () => {
    const text = '{"format":"madmix.stats","modalities":{"t":{"dim":1}},"domains":[],\n "domains":[{"name":"a","stats":{"t":{"count":1,"sum":[1]}}}]}';
    try {
      parseStatsJson(text);
      expect.unreachable();
    } catch (error) {
      expect((error as MadmixError).code).toBe('invalid_json');
      expect((error as MadmixError).message).toMatch(/key "domains" twice in one object \(again at line 2, column 2\)/);
    }
  });

  it('json: deep nesting is invalid_json, not a stack overflow', () => {
    const text = '{"domains":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    try {
      parseStatsJson(text);
      expect.unreachable();
    } catch (error) {
      expect((error as MadmixError).code).toBe('invalid_json');
      expect((error as MadmixError).message).toMatch(/more than 64 levels deep \(at offset 74\)/);
    }
  });

  it('json: brackets inside strings do not count as nesting', () => {
    const name = '['.repeat(200);
    const text = `{"modalities":{"t":{"dim":1}},"domains":[{"name":"${name}","stats":{"t":{"count":1,"sum":[1]}}}]}`;
    expect(parseStatsJson(text).domains[0].name).toBe(name);
  });

  it('json: the same key in different objects is fine', () => {
    const text = '{"modalities":{"t":{"dim":1}},"domains":[{"name":"a","stats":{"t":{"count":1,"sum":[1]}}},{"name":"b","stats":{"t":{"count":1,"sum":[2]}}}]}';
    expect(parseStatsJson(text).domains).toHaveLength(2);
  });

  it.each([
    ['{"format":"other","modalities":{},"domains":[]}', /format is "other"/],
    ['{"format":"madmix.stats","version":2,"modalities":{},"domains":[]}', /version is 2/],
    ['{"format":"madmix.stats","modalities":{},"domains":[],"domian":1}', /unknown key "domian"/],
    ['{"modalities":{"t":{"dim":1}},"domains":[{"name":"a","stats":{"t":{"count":1,"sum":[null]}}}]}', /sum\[0\] is null/],
    ['{"modalities":{"t":{"dim":1}},"domains":[{"name":"a","stats":{"t":{"count":"1","sum":[1]}}}]}', /count is "1"/],
    ['{"modalities":{"t":{"dim":1}},"domains":[{"name":"a","stats":{"t":{"count":1,"sum":[1e999]}}}]}', /sum\[0\] is Infinity/],
    ['[1,2]', /JSON document is \[1,2\]/],
  ])('json: structure error %#', (text, pattern) => {
    expect(() => parseStatsJson(text)).toThrow(pattern);
    try {
      parseStatsJson(text);
    } catch (error) {
      expect((error as MadmixError).code).toBe('invalid_stats');
    }
  });
});

describe('stats hash', () => {
  it('hash: same set gives same hash', async () => {
    const first = await hashStats(sampleSet());
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashStats(sampleSet())).toBe(first);
    expect(await hashStats(parseSafetensors(statsToSafetensors(sampleSet())))).toBe(first);
  });

  it('hash: meta key order does not matter', async () => {
    const reordered = { ...sampleSet(), meta: { corpus: 'demo', seed: '7' } };
    expect(await hashStats(reordered)).toBe(await hashStats(sampleSet()));
  });

  it('hash: renamed domain changes hash', async () => {
    const renamed = sampleSet();
    renamed.domains[1].name = 'language-2';
    expect(await hashStats(renamed)).not.toBe(await hashStats(sampleSet()));
  });

  it('hash: one changed bit changes hash', async () => {
    const changed = sampleSet();
    changed.domains[1].stats.text.sum[0] += 2 ** -54; // one ulp at 1/3
    expect(changed.domains[1].stats.text.sum[0]).not.toBe(1 / 3);
    expect(await hashStats(changed)).not.toBe(await hashStats(sampleSet()));
  });
});

describe('stats summary and sniffing', () => {
  it('summary: lists counts and sizes without sums', () => {
    const summary = summarizeStats(sampleSet());
    expect(summary).toEqual({
      domains: [
        {
          name: 'charts',
          modalities: { image: 170, text: 170 },
          samples: 170,
          tokens: 2000,
          datasets: [{ name: 'chartqa', samples: 100 }, { name: 'plotqa', tokens: 7 }],
        },
        { name: 'language', modalities: { text: 3 } },
      ],
      modalities: [
        { name: 'image', dim: 3, model: 'mobilenetv2-12-float', layer: 'emb' },
        { name: 'text', dim: 2 },
      ],
      domainCount: 2,
      totalCount: 343,
    });
    expect(JSON.stringify(summary)).not.toContain('sum');
  });

  it('parseStats: sniffs json and safetensors', () => {
    const set = sampleSet();
    const json = new TextEncoder().encode('\uFEFF \n' + statsToJson(set));
    expectSameSet(parseStats(json), set);
    expectSameSet(parseStats(statsToSafetensors(set)), set);
    expectSameSet(parseStats(statsToSafetensors(set), 'application/octet-stream'), set);
    expectSameSet(parseStats(json, 'application/json; charset=utf-8'), set);
  });

  it('parseStats: header length starting with "{" is safetensors', () => {
    // The writer pads headers to a multiple of 8, so re-pad by hand to make byte 0 the "{" byte.
    const unpadded = unpadHeaderTo(statsToSafetensors(sampleSet()), 123);
    expect(unpadded[0]).toBe(0x7b);
    expectSameSet(parseStats(unpadded), sampleSet());
  });

  it('parseStats: invalid UTF-8 json is invalid_json', () => {
    expect(() => parseStats(Uint8Array.of(0x7b, 0xff, 0x7d), 'application/json')).toThrow(/not valid UTF-8/);
  });
});

/** Re-pads the header with spaces so that its length is `remainder` mod 256. */
function unpadHeaderTo(bytes: Uint8Array, remainder: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)).trimEnd();
  const padding = (remainder - (json.length % 256) + 256) % 256;
  const header = new TextEncoder().encode(json + ' '.repeat(padding));
  const data = bytes.subarray(8 + headerLength);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}
