import { describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import { parseSafetensors, statsToSafetensors, type StatsSet } from '../../src/core/stats/index.js';

function baseSet(): StatsSet {
  return {
    modalities: [{ name: 'image', dim: 2, model: 'enc' }, { name: 'text', dim: 3 }],
    domains: [
      { name: 'a', samples: 5, stats: { image: { count: 2, sum: Float64Array.of(1, 2) }, text: { count: 2, sum: Float64Array.of(3, 4, 5) } } },
      { name: 'b', stats: { text: { count: 1, sum: Float64Array.of(6, 7, 8) } } },
    ],
  };
}

interface File {
  header: Record<string, any>;
  data: Uint8Array;
}

function split(bytes: Uint8Array): File {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))),
    data: bytes.slice(8 + length),
  };
}

function join(file: File): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(file.header));
  const out = new Uint8Array(8 + header.length + file.data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(file.data, 8 + header.length);
  return out;
}

/** Canonical file of `baseSet`, edited through its header and data region. */
function edited(edit: (file: File) => void): Uint8Array {
  const file = split(statsToSafetensors(baseSet()));
  edit(file);
  return join(file);
}

/** Replaces one tensor's bytes and dtype, moving every later tensor's offsets. */
function retype(file: File, name: string, dtype: string, bytes: Uint8Array): void {
  const [begin, end] = file.header[name].data_offsets;
  const shift = bytes.length - (end - begin);
  const data = new Uint8Array(file.data.length + shift);
  data.set(file.data.subarray(0, begin));
  data.set(bytes, begin);
  data.set(file.data.subarray(end), begin + bytes.length);
  file.data = data;
  for (const [key, entry] of Object.entries(file.header)) {
    if (key === '__metadata__') continue;
    if (key === name) entry.data_offsets = [begin, begin + bytes.length];
    else if (entry.data_offsets[0] >= end) entry.data_offsets = entry.data_offsets.map((offset: number) => offset + shift);
  }
  file.header[name].dtype = dtype;
}

function offsetOf(file: File, name: string): number {
  return file.header[name].data_offsets[0];
}

function expectInvalid(bytes: Uint8Array, parts: RegExp[]): void {
  let caught: unknown;
  try {
    parseSafetensors(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MadmixError);
  expect((caught as MadmixError).code).toBe('invalid_safetensors');
  for (const part of parts) expect((caught as MadmixError).message).toMatch(part);
}

describe('parseSafetensors accepts', () => {
  it('safetensors: unpadded header from another writer', () => {
    const set = parseSafetensors(edited(() => {}));
    expect(set.domains.map((domain) => domain.name)).toEqual(['a', 'b']);
    expect(set.modalities).toEqual(baseSet().modalities);
  });

  it('safetensors: F32 sums and I32, U32, F64 counts', () => {
    for (const countType of ['I32', 'U32', 'F64']) {
      const bytes = edited((file) => {
        retype(file, 'sum.text', 'F32', new Uint8Array(Float32Array.of(3, 4, 5, 6, 7, 8).buffer));
        const counts = countType === 'F64' ? Float64Array.of(2, 1) : countType === 'I32' ? Int32Array.of(2, 1) : Uint32Array.of(2, 1);
        retype(file, 'count.text', countType, new Uint8Array(counts.buffer));
      });
      const set = parseSafetensors(bytes);
      expect(set.domains[1].stats.text.count).toBe(1);
      expect(Array.from(set.domains[1].stats.text.sum)).toEqual([6, 7, 8]);
    }
  });

  it('safetensors: no modalities metadata means sorted modalities', () => {
    const set = parseSafetensors(edited((file) => delete file.header.__metadata__.modalities));
    expect(set.modalities).toEqual([{ name: 'image', dim: 2 }, { name: 'text', dim: 3 }]);
  });
});

describe('parseSafetensors rejects', () => {
  it('safetensors: file shorter than 8 bytes', () => {
    expectInvalid(Uint8Array.of(1, 2, 3), [/3 bytes/, /truncated/]);
  });

  it('safetensors: truncated data region', () => {
    const bytes = statsToSafetensors(baseSet());
    expectInvalid(bytes.subarray(0, bytes.length - 8), [/outside the \d+-byte data region/]);
  });

  it('safetensors: header length beyond file', () => {
    const bytes = statsToSafetensors(baseSet()).slice();
    new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
    expectInvalid(bytes, [/header length 1099511627776 exceeds/]);
  });

  it('safetensors: extra bytes after data', () => {
    const bytes = statsToSafetensors(baseSet());
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expectInvalid(longer, [/8 extra bytes/]);
  });

  it('safetensors: overlapping offsets', () => {
    const bytes = edited((file) => {
      file.header['count.text'].data_offsets = [0, 16];
      file.data = file.data.slice(16);
      for (const name of ['sum.image', 'sum.text']) file.header[name].data_offsets = file.header[name].data_offsets.map((o: number) => o - 16);
    });
    expectInvalid(bytes, [/overlap tensor "count\.(image|text)"/]);
  });

  it('safetensors: gap between tensors', () => {
    const bytes = edited((file) => {
      const [begin, end] = file.header['count.image'].data_offsets;
      file.header['count.image'].data_offsets = [begin, end - 8];
      file.header['count.image'].shape = [1];
    });
    expectInvalid(bytes, [/belong to no tensor/]);
  });

  it('safetensors: unknown dtype', () => {
    expectInvalid(edited((file) => (file.header['sum.text'].dtype = 'F128')), [/"sum\.text"/, /unknown dtype "F128"/]);
  });

  it('safetensors: unaccepted dtype', () => {
    const bytes = edited((file) => retype(file, 'sum.text', 'F16', new Uint8Array(12)));
    expectInvalid(bytes, [/"sum\.text" has dtype F16/, /F64/]);
    const counts = edited((file) => retype(file, 'count.text', 'U8', Uint8Array.of(2, 1)));
    expectInvalid(counts, [/"count\.text" has dtype U8/, /I64/]);
  });

  it('safetensors: shape times dtype size differs from span', () => {
    expectInvalid(edited((file) => (file.header['sum.text'].shape = [2, 4])), [/"sum\.text" has shape \[2,4\]/, /64 bytes/, /span 48/]);
  });

  it('safetensors: rows differ from domain count', () => {
    const bytes = edited((file) => {
      file.header.__metadata__.domains = JSON.stringify(['a', 'b', 'c']);
      delete file.header.__metadata__.sizes;
    });
    expectInvalid(bytes, [/shape \[2(,2)?\]/, /must be \[3/]);
  });

  it('safetensors: missing count partner', () => {
    const bytes = edited((file) => {
      const [begin, end] = file.header['count.text'].data_offsets;
      delete file.header['count.text'];
      file.data = Uint8Array.from([...file.data.subarray(0, begin), ...file.data.subarray(end)]);
      for (const name of ['sum.image', 'sum.text']) file.header[name].data_offsets = file.header[name].data_offsets.map((o: number) => o - (end - begin));
    });
    expectInvalid(bytes, [/"count\.text" is missing/]);
  });

  it('safetensors: NaN and Infinity in a sum', () => {
    for (const value of [NaN, Infinity]) {
      const bytes = edited((file) => new DataView(file.data.buffer).setFloat64(offsetOf(file, 'sum.text') + 8 * 4, value, true));
      expectInvalid(bytes, [/"sum\.text" row 1 \(domain "b"\) column 1/, new RegExp(`is ${value}`)]);
    }
  });

  it('safetensors: negative count', () => {
    const bytes = edited((file) => new DataView(file.data.buffer).setBigInt64(offsetOf(file, 'count.text') + 8, -4n, true));
    expectInvalid(bytes, [/"count\.text" row 1 is -4/]);
  });

  it('safetensors: fractional F64 count', () => {
    const bytes = edited((file) => retype(file, 'count.text', 'F64', new Uint8Array(Float64Array.of(2, 1.5).buffer)));
    expectInvalid(bytes, [/"count\.text" row 1 is 1\.5/]);
  });

  it('safetensors: count above 2^53', () => {
    const bytes = edited((file) => new DataView(file.data.buffer).setBigInt64(offsetOf(file, 'count.text'), 1n << 60n, true));
    expectInvalid(bytes, [/"count\.text" row 0 is 1152921504606846976/, /2\^53/]);
  });

  it('safetensors: zero count with nonzero sum', () => {
    const bytes = edited((file) => new DataView(file.data.buffer).setFloat64(offsetOf(file, 'sum.image') + 16, 1, true));
    expectInvalid(bytes, [/count\.image row 1 \(domain "b"\) is 0/, /not all zeros/]);
  });

  it.each([
    ['format', (m: any) => (m.format = 'pt'), /format is "pt"/],
    ['domains', (m: any) => (m.domains = '["a",'), /domains "\[\\"a\\",".* not valid JSON/],
    ['domains type', (m: any) => (m.domains = '{"a":1}'), /array of strings/],
    ['sizes length', (m: any) => (m.sizes = '[{}]'), /one entry per domain \(2\)/],
    ['modalities', (m: any) => (m.modalities = '{"image":{"model":1},"text":{}}'), /modalities\.image\.model is 1/],
    ['meta', (m: any) => (m.meta = '{"seed":7}'), /meta\.seed is 7/],
    ['non-string value', (m: any) => (m.domains = ['a', 'b']), /__metadata__\.domains is \["a","b"\]/],
    ['unknown key', (m: any) => (m.extra = '1'), /unknown key "extra"/],
  ])('safetensors: malformed metadata %s', (_label, edit, pattern) => {
    expectInvalid(edited((file) => edit(file.header.__metadata__)), [pattern]);
  });

  it('safetensors: missing metadata', () => {
    expectInvalid(edited((file) => delete file.header.__metadata__), [/no __metadata__/]);
  });

  it('safetensors: header that is not JSON', () => {
    const bytes = statsToSafetensors(baseSet()).slice();
    bytes[8] = 0x5b; // "[" breaks the object
    expectInvalid(bytes, [/header is not valid JSON/]);
  });

  it('safetensors: tensor with a foreign name', () => {
    const bytes = edited((file) => {
      file.header['weight'] = { dtype: 'F64', shape: [1], data_offsets: [file.data.length, file.data.length + 8] };
      file.data = Uint8Array.from([...file.data, 0, 0, 0, 0, 0, 0, 0, 0]);
    });
    expectInvalid(bytes, [/"weight" is not a madmix tensor/]);
  });
});
