import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { MadmixError, show } from '../../src/core/errors.js';

/** Geometry of decoded frames: resize the shorter side to `resize`, then center-crop `crop` x `crop`. */
export interface FrameGeometry {
  resize: number;
  crop: number;
}

interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

const INSTALL_HINT: Record<string, string> = {
  ffmpeg: 'apt-get install ffmpeg',
  ffprobe: 'apt-get install ffmpeg',
  'rsvg-convert': 'apt-get install librsvg2-bin',
};

/**
 * Seconds a decoder may run on one file before it is killed. A hung ffmpeg would
 * otherwise stall the shard while a --watch worker keeps renewing its lease.
 * Override with MADMIX_DECODE_TIMEOUT_SECONDS.
 */
const DECODE_TIMEOUT_SECONDS = Number(process.env.MADMIX_DECODE_TIMEOUT_SECONDS) > 0 ? Number(process.env.MADMIX_DECODE_TIMEOUT_SECONDS) : 300;

/** Runs a program with pipes, optionally feeding `input` to its stdin, and collects its output. */
function runTool(program: string, args: string[], file: string, input?: Buffer): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new MadmixError('unsupported_media_type', `${program} timed out after ${DECODE_TIMEOUT_SECONDS} s on ${show(file)}; check the file, or raise MADMIX_DECODE_TIMEOUT_SECONDS`, { file }));
    }, DECODE_TIMEOUT_SECONDS * 1000);
    child.on('exit', () => clearTimeout(timer));
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') {
        reject(new MadmixError('invalid_parameter', `cannot run ${program} for ${show(file)}: ${program} is not installed; install it with ${INSTALL_HINT[program] ?? 'your package manager'}`));
        return;
      }
      reject(new MadmixError('internal', `cannot run ${program} for ${show(file)}: ${error.message}`));
    });
    child.on('close', (code) => resolvePromise({ stdout: Buffer.concat(chunks), stderr, code }));
    // The tool may exit before reading all input (for example on a corrupt file); that is reported by its exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function decodeFailed(kind: string, file: string, detail: string): MadmixError {
  const reason = detail.trim().split('\n').slice(-2).join(' ').trim() || 'no output';
  return new MadmixError('unsupported_media_type', `cannot decode ${kind} ${file}: ${reason}`, { file });
}

/** Lines that ffmpeg prints after the real cause, which do not name the input's problem. */
const FFMPEG_FOLLOW_UPS = [/^Error marking filters/, /^Cannot determine format/, /^Conversion failed/, /^Error while (decoding|filtering|processing)/, /^Nothing was written/];

/** Picks the first line of a tool's stderr that names the cause, without ffmpeg's `[png @ 0x…]` address. */
export function firstUsefulLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const useful = lines.find((line) => !FFMPEG_FOLLOW_UPS.some((pattern) => pattern.test(line))) ?? lines[0] ?? 'no output';
  return useful.replace(/^\[(\w+) @ 0x[0-9a-f]+\]\s*/, '$1: ');
}

/** Error for a file the tool could not read as `kind`, quoting the tool's first useful line. */
function notValid(kind: 'image' | 'video' | 'SVG image', file: string, tool: string, stderr: string): MadmixError {
  return new MadmixError('unsupported_media_type', `cannot decode ${kind} ${file}: not a valid ${kind} (${tool}: ${firstUsefulLine(stderr)})`, { file });
}

function requireFile(file: string): void {
  if (!existsSync(file)) throw new MadmixError('not_found', `input file ${file} does not exist`, { file });
}

function frameFilter(geometry: FrameGeometry): string {
  const { resize, crop } = geometry;
  return `scale=${resize}:${resize}:force_original_aspect_ratio=increase:flags=bicubic,crop=${crop}:${crop},format=rgba`;
}

/**
 * Converts RGBA frames to RGB, compositing transparent pixels onto white so
 * that icons and emoji with alpha get a defined background.
 */
function flattenAlpha(rgba: Buffer, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const alpha = rgba[p * 4 + 3];
    if (alpha === 255) {
      rgb[p * 3] = rgba[p * 4];
      rgb[p * 3 + 1] = rgba[p * 4 + 1];
      rgb[p * 3 + 2] = rgba[p * 4 + 2];
      continue;
    }
    const opacity = alpha / 255;
    for (let c = 0; c < 3; c++) {
      rgb[p * 3 + c] = Math.round(rgba[p * 4 + c] * opacity + 255 * (1 - opacity));
    }
  }
  return rgb;
}

/** Renders an SVG with rsvg-convert to PNG bytes that fit in a `resize` x `resize` box. */
async function renderSvg(file: string, geometry: FrameGeometry): Promise<Buffer> {
  const size = String(geometry.resize);
  const svg = await runTool('rsvg-convert', ['--width', size, '--height', size, '--keep-aspect-ratio', '--format', 'png', file], file);
  if (svg.code !== 0) throw notValid('SVG image', file, 'rsvg-convert', svg.stderr);
  return svg.stdout;
}

/** Decodes one image (PNG, JPEG, or SVG through rsvg-convert) to `crop*crop*3` RGB bytes. */
export async function decodeImage(file: string, geometry: FrameGeometry): Promise<Uint8Array> {
  requireFile(file);
  let input: Buffer | undefined;
  const source = ['-i', file];
  if (extname(file).toLowerCase() === '.svg') {
    input = await renderSvg(file, geometry);
    source.splice(0, 2, '-f', 'png_pipe', '-i', 'pipe:0');
  }
  const args = ['-v', 'error', ...source, '-frames:v', '1', '-vf', frameFilter(geometry), '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'];
  const result = await runTool('ffmpeg', args, file, input);
  const pixels = geometry.crop * geometry.crop;
  if (result.code !== 0) throw notValid('image', file, 'ffmpeg', result.stderr);
  if (result.stdout.length !== pixels * 4) {
    throw decodeFailed('image', file, result.stderr || `ffmpeg returned ${result.stdout.length} bytes, expected ${pixels * 4}`);
  }
  return flattenAlpha(result.stdout, pixels);
}

/** Duration in seconds from the container, the stream, or packets / frame rate. */
async function probeDuration(file: string): Promise<number> {
  const entries = 'format=duration:stream=duration,r_frame_rate,nb_read_packets';
  const args = ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', entries, '-of', 'json', file];
  const result = await runTool('ffprobe', args, file);
  if (result.code !== 0) throw notValid('video', file, 'ffprobe', result.stderr);
  const probe = JSON.parse(result.stdout.toString() || '{}');
  const stream = probe.streams?.[0];
  if (!stream) throw decodeFailed('video', file, 'no video stream');
  const duration = Number(probe.format?.duration ?? stream.duration);
  if (Number.isFinite(duration) && duration > 0) return duration;
  const [num, den] = String(stream.r_frame_rate ?? '0/1').split('/').map(Number);
  const packets = Number(stream.nb_read_packets);
  if (num > 0 && den > 0 && packets > 0) return packets / (num / den);
  throw decodeFailed('video', file, 'its duration is unknown');
}

/**
 * Decodes `frames` frames sampled evenly over a clip (at the middles of
 * `frames` equal intervals) to RGB frames of `crop*crop*3` bytes. Short clips
 * may give fewer frames; a clip that gives none is an error.
 */
export async function decodeVideo(file: string, geometry: FrameGeometry, frames: number): Promise<Uint8Array[]> {
  requireFile(file);
  const duration = await probeDuration(file);
  const interval = duration / frames;
  const args = [
    '-v', 'error', '-ss', (interval / 2).toFixed(6), '-i', file,
    '-vf', `fps=${frames}/${duration.toFixed(6)},${frameFilter(geometry)}`,
    '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1',
  ];
  const result = await runTool('ffmpeg', args, file);
  const frameBytes = geometry.crop * geometry.crop * 4;
  const count = Math.floor(result.stdout.length / frameBytes);
  if (result.code !== 0) throw notValid('video', file, 'ffmpeg', result.stderr);
  if (count === 0) throw decodeFailed('video', file, result.stderr || 'no frames decoded');
  const decoded: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    decoded.push(flattenAlpha(result.stdout.subarray(f * frameBytes, (f + 1) * frameBytes), geometry.crop * geometry.crop));
  }
  return decoded;
}

/** Runs `task` over `inputs` with at most `limit` running at once, keeping the input order. */
export async function mapLimit<T, R>(inputs: readonly T[], limit: number, task: (input: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await task(inputs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

/** Decodes many raster files of one codec in one ffmpeg process, through the concat demuxer. */
async function decodeConcat(files: string[], geometry: FrameGeometry, folder: string): Promise<Uint8Array[] | undefined> {
  const list = join(folder, `list-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(list, files.map((file) => `file '${file.replace(/'/g, "'\\''")}'\n`).join(''));
  // passthrough keeps every image even though each one starts at timestamp 0.
  const args = ['-v', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-fps_mode', 'passthrough',
    '-vf', frameFilter(geometry), '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'];
  let result: RunResult;
  try {
    result = await runTool('ffmpeg', args, list);
  } catch (error) {
    // A timeout names only the list file, so let the one-by-one decode find and name the slow file.
    if (error instanceof MadmixError && error.code === 'unsupported_media_type') return undefined;
    throw error;
  }
  const frameBytes = geometry.crop * geometry.crop * 4;
  // NOTE: only the total frame count is checked. A file with no frame next to one with two would shift frames,
  // which single-frame PNG and JPEG files do not produce.
  if (result.code !== 0 || result.stdout.length !== files.length * frameBytes) return undefined;
  return files.map((_, i) => flattenAlpha(result.stdout.subarray(i * frameBytes, (i + 1) * frameBytes), geometry.crop * geometry.crop));
}

/**
 * Decodes many images with few processes: SVGs are rendered to PNG first, then
 * each codec group goes through one ffmpeg run. When a group fails, its files
 * are decoded one by one, so the error names the unreadable file.
 */
export async function decodeImages(files: string[], geometry: FrameGeometry, jobs: number): Promise<Uint8Array[]> {
  if (files.length === 0) return [];
  files.forEach(requireFile);
  const folder = mkdtempSync(join(tmpdir(), 'madmix-embed-'));
  try {
    const sources = files.slice();
    await mapLimit(files.map((file, i) => [file, i] as const), jobs, async ([file, i]) => {
      if (extname(file).toLowerCase() !== '.svg') return;
      sources[i] = join(folder, `svg-${i}.png`);
      writeFileSync(sources[i], await renderSvg(file, geometry));
    });
    const groups = new Map<string, number[]>();
    sources.forEach((source, i) => {
      const ext = extname(source).toLowerCase().replace('.jpeg', '.jpg');
      groups.set(ext, [...(groups.get(ext) ?? []), i]);
    });
    const decoded = new Array<Uint8Array>(files.length);
    for (const indexes of groups.values()) {
      const frames = await decodeConcat(indexes.map((i) => sources[i]), geometry, folder);
      for (let k = 0; k < indexes.length; k++) {
        const i = indexes[k];
        decoded[i] = frames ? frames[k] : await decodeImage(files[i], geometry);
      }
    }
    return decoded;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
