import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapLimit } from '../embed/media.js';
import { PATHS, readEmoji, slug } from './sources.js';

/** Renders one glyph with pango-view (Debian package pango1.0-tools) in Noto Color Emoji on white. */
function renderGlyph(glyph: string, file: string): Promise<void> {
  const args = ['--no-display', '-q', `--font=${PATHS.emojiFont} 64`, '--margin=24', `--text=${glyph}`, '-o', file];
  return new Promise((resolve, reject) => {
    const child = spawn('pango-view', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new Error(`cannot run pango-view (apt-get install pango1.0-tools): ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pango-view failed on ${glyph} for ${file}: ${stderr.trim()}`))));
  });
}

/**
 * Writes one domain per emoji group (without the Component group of skin-tone
 * and hair swatches), one dataset per subgroup, a PNG and the CLDR name per
 * emoji. Existing PNGs are kept, so a rerun renders only what is missing.
 */
export async function writeEmojiDomains(corpus: string, jobs: number): Promise<string[]> {
  const emoji = readEmoji().filter((entry) => entry.group !== 'Component');
  const domains = new Set<string>();
  await mapLimit(emoji, jobs, async (entry) => {
    const domain = `emoji-${slug(entry.group)}`;
    domains.add(domain);
    const folder = join(corpus, domain, slug(entry.subgroup));
    mkdirSync(folder, { recursive: true });
    const png = join(folder, `${entry.codepoints}.png`);
    if (!existsSync(png)) await renderGlyph(entry.glyph, png);
    writeFileSync(join(folder, `${entry.codepoints}.txt`), entry.name);
  });
  return [...domains].sort();
}
