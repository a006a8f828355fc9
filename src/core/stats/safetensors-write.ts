import { canonicalMeta, compareCodePoints, pickSizes, type Sizes } from './fields.js';
import type { StatsSet } from './types.js';
import { validateStats } from './validate.js';

/** Value of the `format` metadata key of a madmix safetensors file. */
export const STATS_SAFETENSORS_FORMAT = 'madmix.stats/1';

interface TensorPlan {
  name: string;
  dtype: 'F64' | 'I64';
  shape: number[];
  byteLength: number;
  write(view: DataView, offset: number): void;
}

/**
 * Encodes a statistics set as safetensors. Each modality `m` gets `sum.<m>`
 * (F64, [domains, dim]) and `count.<m>` (I64, [domains]). A domain without
 * `m` has count 0 and a zero row. Tensors are laid out by name in code point
 * order, and the header is padded with spaces to a multiple of 8 bytes.
 * The same set therefore always gives the same bytes. Throws `invalid_stats`
 * for a set that fails `validateStats` with `minDomains: 0`.
 */
export function statsToSafetensors(set: StatsSet): Uint8Array<ArrayBuffer> {
  validateStats(set, { minDomains: 0 });
  const tensors = planTensors(set).sort((a, b) => compareCodePoints(a.name, b.name));

  const header: Record<string, unknown> = { __metadata__: buildMetadata(set) };
  let dataLength = 0;
  for (const tensor of tensors) {
    header[tensor.name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [dataLength, dataLength + tensor.byteLength],
    };
    dataLength += tensor.byteLength;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = json.length + ((8 - ((8 + json.length) % 8)) % 8);
  const bytes = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);

  let offset = 8 + headerLength;
  for (const tensor of tensors) {
    tensor.write(view, offset);
    offset += tensor.byteLength;
  }
  return bytes;
}

function planTensors(set: StatsSet): TensorPlan[] {
  const k = set.domains.length;
  return set.modalities.flatMap((modality): TensorPlan[] => {
    const { name, dim } = modality;
    const sum: TensorPlan = {
      name: `sum.${name}`,
      dtype: 'F64',
      shape: [k, dim],
      byteLength: k * dim * 8,
      write(view, offset) {
        set.domains.forEach((domain, row) => {
          const stats = domain.stats[name];
          if (!stats) return; // the buffer is zero-filled already
          const base = offset + row * dim * 8;
          for (let j = 0; j < dim; j++) view.setFloat64(base + j * 8, stats.sum[j], true);
        });
      },
    };
    const count: TensorPlan = {
      name: `count.${name}`,
      dtype: 'I64',
      shape: [k],
      byteLength: k * 8,
      write(view, offset) {
        set.domains.forEach((domain, row) => {
          view.setBigInt64(offset + row * 8, BigInt(domain.stats[name]?.count ?? 0), true);
        });
      },
    };
    return [sum, count];
  });
}

/** Builds `__metadata__` with keys in sorted order; every value is a string, as safetensors requires. */
function buildMetadata(set: StatsSet): Record<string, string> {
  const modalities: Record<string, { model?: string; layer?: string }> = {};
  for (const modality of set.modalities) {
    const info: { model?: string; layer?: string } = {};
    if (modality.model !== undefined) info.model = modality.model;
    if (modality.layer !== undefined) info.layer = modality.layer;
    modalities[modality.name] = info;
  }
  const sizes: Sizes[] = set.domains.map((domain) => pickSizes(domain));
  const meta = canonicalMeta(set.meta);

  const metadata: Record<string, string> = {
    domains: JSON.stringify(set.domains.map((domain) => domain.name)),
    format: STATS_SAFETENSORS_FORMAT,
  };
  if (meta) metadata.meta = JSON.stringify(meta);
  metadata.modalities = JSON.stringify(modalities);
  if (sizes.some((entry) => Object.keys(entry).length > 0)) metadata.sizes = JSON.stringify(sizes);
  return metadata;
}
