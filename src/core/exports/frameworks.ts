/**
 * Blends for training frameworks. Paths are placeholders (dataset or domain
 * names) that the user replaces with real paths, and each file states this in a comment.
 */
import { MadmixError, show } from '../errors.js';
import { buildBlend, headerComment, type BlendEntry } from './blend.js';
import type { MixturePlan } from './plan.js';
import { quoteString, shellWord, yamlNumber } from './quote.js';

/**
 * Most full passes over one dataset the LLaVA export lists. The LLaVA-OneVision
 * loader takes at most one pass per entry ("random:N" above the dataset size
 * still yields the dataset once), so each pass is its own line. The cap bounds
 * the file size.
 */
export const LLAVA_MAX_PASSES = 100;

const PLACEHOLDER = 'Each path below is a placeholder (the dataset or domain name): replace it with the real path.';

/** Megatron-LM `--data-path w1 p1 w2 p2 ...` arguments, one pair per line. */
export function megatron(plan: MixturePlan): string {
  const blend = buildBlend(plan);
  const head = headerComment('#', plan, blend, [
    'Megatron-LM: append these arguments to the pretrain command; Megatron normalizes the weights.',
    PLACEHOLDER,
  ]);
  const pairs = blend.entries.map((e) => `  ${String(e.weight)} ${shellWord(e.path)}`);
  return `${head}--data-path \\\n${pairs.join(' \\\n')}\n`;
}

/** Megatron-Energon metadataset (MetadatasetV2) with a weighted `blend` of the train split. */
export function energon(plan: MixturePlan): string {
  const blend = buildBlend(plan);
  const head = headerComment('#', plan, blend, [
    'Megatron-Energon metadataset: paths are relative to this file.',
    PLACEHOLDER,
  ]);
  const items = blend.entries.map((e) => `      - weight: ${yamlNumber(e.weight)}\n        path: ${quoteString(e.path)}`);
  return `${head}__module__: megatron.energon\n__class__: MetadatasetV2\nsplits:\n  train:\n    blend:\n${items.join('\n')}\n`;
}

/** Hugging Face `interleave_datasets` call with names and probabilities in one explicit order. */
export function huggingFace(plan: MixturePlan): string {
  const blend = buildBlend(plan);
  const head = headerComment('#', plan, blend, [
    'Hugging Face datasets: names[i] is drawn with probability probabilities[i].',
    'Each name is a placeholder: load_source must return the dataset for it.',
  ]);
  const names = blend.entries.map((e) => `    ${quoteString(e.path)},`).join('\n');
  const probabilities = blend.entries.map((e) => `    ${String(e.weight)},`).join('\n');
  const count = plan.budget !== undefined && plan.unit === 'samples' ? Math.round(plan.budget) : undefined;
  const take = count === undefined ? '' : `# Budget: IterableDataset.take; for map-style datasets use mixed.select(range(${count})).\nmixed = mixed.take(${count})\n`;
  return `${head}from datasets import interleave_datasets

names = [
${names}
]
probabilities = [
${probabilities}
]


def load_source(name):
    raise NotImplementedError(f"load the dataset for {name!r} here, e.g. with datasets.load_dataset")


# "all_exhausted" keeps drawing until every source has been used once, so small sources repeat.
mixed = interleave_datasets(
    [load_source(name) for name in names],
    probabilities=probabilities,
    seed=0,
    stopping_strategy="all_exhausted",
)
${take}`;
}

/** Data-Juicer mixture: `dataset_path` with `<weight> <path>` pairs. */
export function dataJuicer(plan: MixturePlan): string {
  const blend = buildBlend(plan);
  const head = headerComment('#', plan, blend, [
    'Data-Juicer mixture: dataset_path lists "<weight> <path>" pairs.',
    PLACEHOLDER,
    'Paths with spaces are shell-quoted, which Data-Juicer versions that split on whitespace do not read.',
    ...(plan.budget !== undefined && plan.unit === 'samples' ? [`To draw ${Math.round(plan.budget)} samples, set the sample limit of your Data-Juicer version (max_sample_num).`] : []),
  ]);
  const pairs = blend.entries.map((e) => `${String(e.weight)} ${shellWord(e.path)}`).join(' ');
  return `${head}dataset_path: ${quoteString(pairs)}\n`;
}

/** LLaVA-OneVision data YAML: `json_path` with a `sampling_strategy` per dataset. */
export function llava(plan: MixturePlan): string {
  const blend = buildBlend(plan);
  const counts = llavaCounts(plan, blend.entries);
  const head = headerComment('#', plan, blend, [
    'LLaVA-OneVision data YAML: "all" takes a dataset once, "random:N" takes N samples of it; a dataset used',
    'for more than one epoch is listed once per full pass.',
    PLACEHOLDER,
    ...counts.lines,
  ]);
  const items: string[] = [];
  blend.entries.forEach((e, i) => {
    for (const strategy of llavaStrategies(counts.samples[i], e, plan)) {
      items.push(`  - json_path: ${quoteString(e.path)}\n    sampling_strategy: ${quoteString(strategy)}`);
    }
  });
  return `${head}datasets:\n${items.join('\n')}\n`;
}

/**
 * Samples to draw per entry. With a budget they are the implied samples;
 * without one the mixture is scaled so that no dataset repeats.
 */
function llavaCounts(plan: MixturePlan, entries: BlendEntry[]): { samples: (number | undefined)[]; lines: string[] } {
  if (plan.budget !== undefined) return { samples: entries.map((e) => e.impliedSamples), lines: [] };
  if (entries.length === 0 || !entries.every((e) => e.samples && e.samples > 0)) {
    return {
      samples: entries.map(() => undefined),
      lines: ['Warning: some datasets have no sample count and no budget was given, so every dataset is taken whole ("all") and the weights are NOT applied.'],
    };
  }
  const total = Math.min(...entries.map((e) => (e.samples as number) / e.weight));
  return {
    samples: entries.map((e) => Math.min(Math.round(e.weight * total), e.samples as number)),
    lines: [`No budget was given, so the mixture is scaled to ${Math.round(total)} samples, the most it can draw without repeating a dataset.`],
  };
}

function llavaStrategies(count: number | undefined, entry: BlendEntry, plan: MixturePlan): string[] {
  const size = entry.samples;
  if (count === undefined) return ['all'];
  if (count === 0) return [];
  if (!size) return [`random:${count}`];
  const full = Math.floor(count / size);
  if (full > LLAVA_MAX_PASSES) {
    throw new MadmixError(
      'invalid_parameter',
      `Invalid budget ${show(plan.budget)}: dataset ${show(entry.path)} would be taken ${full} times (${count} samples of ${size}), ` +
        `more than the ${LLAVA_MAX_PASSES} passes per dataset the llava export lists one line each; ` +
        'lower the budget, or use an export that takes weights instead of passes (megatron, energon, hf, datajuicer).',
      { field: 'budget', value: plan.budget, dataset: entry.path, passes: full, maxPasses: LLAVA_MAX_PASSES },
    );
  }
  const rest = count - full * size;
  return [...Array<string>(full).fill('all'), ...(rest > 0 ? [`random:${rest}`] : [])];
}
