import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

/**
 * Readers of the Debian packages the corpus is built from. Each writes one
 * domain folder in the layout scripts/embed reads: DOMAIN/DATASET/ with files
 * sharing a stem forming a sample (x.png + x.txt), or DATASET/*.jsonl texts.
 */

export const PATHS = {
  emojiTest: '/usr/share/unicode/emoji/emoji-test.txt',
  emojiFont: 'Noto Color Emoji',
  papirus: '/usr/share/icons/Papirus/48x48',
  tango: '/usr/share/icons/Tango/scalable',
  wordnet: '/usr/share/wordnet',
  fortunes: '/usr/share/games/fortunes',
  help: '/usr/share/help',
};

export function slug(text: string): string {
  return text.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export interface Emoji {
  group: string;
  subgroup: string;
  glyph: string;
  name: string;
  codepoints: string;
}

/** Fully-qualified emoji of unicode-data's emoji-test.txt, with group, subgroup and name. */
export function readEmoji(file = PATHS.emojiTest): Emoji[] {
  const emoji: Emoji[] = [];
  let group = '';
  let subgroup = '';
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('# group: ')) group = line.slice(9).trim();
    else if (line.startsWith('# subgroup: ')) subgroup = line.slice(12).trim();
    const match = /^([0-9A-F ]+?)\s*;\s*fully-qualified\s*#\s*(\S+)\s+E\d+\.\d+\s+(.+)$/.exec(line);
    if (match) emoji.push({ group, subgroup, codepoints: match[1].trim().replace(/ /g, '-'), glyph: match[2], name: match[3].trim() });
  }
  return emoji;
}

/** Links `target` into the corpus under `path`, unless a link is already there. */
function linkOnce(target: string, path: string): void {
  if (!existsSync(path)) symlinkSync(target, path);
}

/** Icons of one freedesktop category from Papirus (48x48 SVG) and Tango (scalable SVG); the text is the icon name. */
export function writeIconDomain(corpus: string, category: string): string {
  const domain = `icons-${category}`;
  const themes: Array<[string, string]> = [['papirus', join(PATHS.papirus, category)], ['tango', join(PATHS.tango, category)]];
  for (const [theme, folder] of themes) {
    if (!existsSync(folder)) continue;
    const out = join(corpus, domain, theme);
    mkdirSync(out, { recursive: true });
    for (const name of readdirSync(folder).sort()) {
      const file = join(folder, name);
      // Papirus aliases most names with symlinks; only regular files are distinct icons.
      if (extname(name) !== '.svg' || !lstatSync(file).isFile()) continue;
      const stem = basename(name, '.svg');
      linkOnce(file, join(out, name));
      writeFileSync(join(out, `${stem}.txt`), stem.replace(/[-_.]+/g, ' '));
    }
  }
  return domain;
}

/** WordNet 3.0 lexicographer file numbers (lexnames(5WN)) of the domains the corpus uses. */
export const LEXNAMES: Record<string, number> = {
  'noun.animal': 5,
  'noun.artifact': 6,
  'noun.food': 13,
  'noun.plant': 20,
  'verb.communication': 32,
  'verb.motion': 38,
};

/** Synsets of one lexicographer domain as JSONL texts: "words: gloss". */
export function writeWordnetDomain(corpus: string, lexname: string): string {
  const [pos] = lexname.split('.');
  const number = LEXNAMES[lexname];
  const domain = `wordnet-${lexname.replace('.', '-')}`;
  const lines: string[] = [];
  for (const line of readFileSync(join(PATHS.wordnet, `data.${pos}`), 'utf8').split('\n')) {
    if (line === '' || line.startsWith('  ')) continue; // license header lines start with two spaces
    const [head, gloss = ''] = line.split(' | ');
    const fields = head.split(' ');
    if (Number(fields[1]) !== number) continue;
    const count = parseInt(fields[3], 16);
    const words = Array.from({ length: count }, (_, i) => fields[4 + 2 * i].replace(/_/g, ' ').replace(/\(.*\)$/, ''));
    lines.push(JSON.stringify({ text: `${words.join(', ')}: ${gloss.trim()}` }));
  }
  mkdirSync(join(corpus, domain, 'wordnet'), { recursive: true });
  writeFileSync(join(corpus, domain, 'wordnet', 'synsets.jsonl'), lines.join('\n') + '\n');
  return domain;
}

/** Fortune cookies of several `fortunes` files, one dataset per file. */
export function writeFortuneDomain(corpus: string, domain: string, files: string[]): string {
  for (const name of files) {
    const entries = readFileSync(join(PATHS.fortunes, name), 'utf8')
      .split(/^%$/m)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    mkdirSync(join(corpus, domain, name), { recursive: true });
    writeFileSync(join(corpus, domain, name, 'fortunes.jsonl'), entries.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  }
  return domain;
}

/** Visible text of a Mallard help page: titles and paragraphs, without the info block. */
export function pageText(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/<info>[\s\S]*?<\/info>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Demo clips of GNOME help (one dataset per clip) in every translation, each
 * paired with the text of the help page that shows it in that language.
 */
export function writeHelpClipDomain(corpus: string, clips: Array<{ module: string; page: string; clip: string }>): string {
  const domain = 'gnome-help-clips';
  for (const { module, page, clip } of clips) {
    const dataset = basename(clip, extname(clip));
    const out = join(corpus, domain, dataset);
    mkdirSync(out, { recursive: true });
    for (const language of readdirSync(PATHS.help).sort()) {
      const video = join(PATHS.help, language, module, 'figures', clip);
      const pageFile = join(PATHS.help, language, module, page);
      if (!existsSync(video) || !existsSync(pageFile)) continue;
      linkOnce(video, join(out, `${language}${extname(clip)}`));
      writeFileSync(join(out, `${language}.txt`), pageText(pageFile));
    }
  }
  return domain;
}
