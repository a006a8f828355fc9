export interface ProgressOptions {
  enabled?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Milliseconds between lines when the stream is not a TTY. */
  intervalMs?: number;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/** Time constant of the rate's exponential moving average, in seconds. */
const RATE_WINDOW_SECONDS = 5;
/** Seconds of measured rate before an ETA is shown, because the first batches include model loading. */
const ETA_AFTER_SECONDS = 3;

/** Progress on stderr: a redrawn line on a TTY, else one line every `intervalMs`. */
export class Progress {
  private readonly enabled: boolean;
  private readonly stream: NodeJS.WritableStream;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly tty: boolean;
  private lastPrint = -Infinity;
  private lastPrinted = -1;
  /** Time and count of the first update; the rate is measured from there, not from the start. */
  private base?: { time: number; done: number };
  private lastSample?: { time: number; done: number };
  private rate?: number;

  constructor(
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.stream = options.stream ?? process.stderr;
    this.intervalMs = options.intervalMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.tty = Boolean(options.stream ? options.stream.isTTY : process.stderr.isTTY);
  }

  update(done: number, force = false): void {
    if (!this.enabled) return;
    const now = this.now();
    this.sample(now, done);
    const interval = this.tty ? 200 : this.intervalMs;
    if (!force && now - this.lastPrint < interval) return;
    this.draw(now, done);
  }

  /** Draws the final count unless the last update already showed it. */
  finish(done: number): void {
    if (!this.enabled) return;
    if (this.lastPrinted !== done) this.draw(this.now(), done);
    if (this.tty) this.stream.write('\n');
  }

  /** Ends a redrawn TTY line so that a following message starts on its own line. */
  interrupt(): void {
    if (this.enabled && this.tty && this.lastPrinted >= 0) this.stream.write('\n');
  }

  /** Updates the exponential moving average of items per second. */
  private sample(now: number, done: number): void {
    if (!this.base || !this.lastSample) {
      this.base = { time: now, done };
      this.lastSample = this.base;
      return;
    }
    const seconds = (now - this.lastSample.time) / 1000;
    if (seconds <= 0) return;
    const instant = (done - this.lastSample.done) / seconds;
    const weight = 1 - Math.exp(-seconds / RATE_WINDOW_SECONDS);
    this.rate = this.rate === undefined ? instant : this.rate + weight * (instant - this.rate);
    this.lastSample = { time: now, done };
  }

  private draw(now: number, done: number): void {
    this.lastPrint = now;
    this.lastPrinted = done;
    const measured = this.base ? (now - this.base.time) / 1000 : 0;
    const rate = this.rate ?? 0;
    const eta = measured >= ETA_AFTER_SECONDS && rate > 0 ? (this.total - done) / rate : Infinity;
    const fraction = this.total === 0 ? 1 : done / this.total;
    const shownRate = this.rate === undefined ? '--' : rate.toFixed(1);
    const text = `${done}/${this.total} items ${(fraction * 100).toFixed(1)}% ${shownRate} items/s ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(fraction * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
    } else {
      this.stream.write(`embed: ${text}\n`);
    }
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(rest).padStart(2, '0')}s`;
}
