/** Progress on stderr: a redrawn line on a TTY, else one line every `intervalMs`. */
export class Progress {
  private readonly started = Date.now();
  private lastPrint = 0;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly initial: number,
    private readonly enabled = true,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 5000,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    const interval = this.tty ? 200 : this.intervalMs;
    if (!force && now - this.lastPrint < interval) return;
    this.lastPrint = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? (done - this.initial) / seconds : 0;
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const fraction = this.total === 0 ? 1 : done / this.total;
    const text = `${done}/${this.total} items ${(fraction * 100).toFixed(1)}% ${rate.toFixed(1)} items/s ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(fraction * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
    } else {
      this.stream.write(`embed: ${text}\n`);
    }
  }

  finish(done: number): void {
    this.update(done, true);
    if (this.enabled && this.tty) this.stream.write('\n');
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
