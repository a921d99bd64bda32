// A progress bar on a terminal, redrawn in place on stderr: items done, rate, time left.
export class ProgressBar {
  private readonly started = performance.now();

  /** `total` undefined: no bar, only the count and rate (a stream of unknown length). */
  constructor(private readonly total: number | undefined, private readonly unit = 'fps') {}

  draw(done: number, label: string): void {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const parts: string[] = [];
    if (this.total !== undefined && this.total > 0) {
      const width = 30;
      const filled = Math.min(width, Math.round((done / this.total) * width));
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total}`);
    } else {
      parts.push(`${done}`);
    }
    if (done > 0) parts.push(`${rate.toFixed(1)} ${this.unit}`);
    if (this.total !== undefined && done > 0 && rate > 0) parts.push(`${formatDuration(Math.max(0, this.total - done) / rate)} left`);
    parts.push(label);
    process.stderr.write(`\r${parts.join('  ')}\x1b[K`);
  }

  clear(): void {
    process.stderr.write('\r\x1b[K');
  }
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const [h, m, sec] = hms as [number, number, number];
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
