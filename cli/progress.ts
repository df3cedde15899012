/** A one-line progress bar on stderr, drawn only when stderr is a terminal (never in CI logs). */
export class ProgressBar {
  private readonly enabled = Boolean(process.stderr.isTTY);
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly label: string) {}

  update(done: number, total: number): void {
    const now = Date.now();
    if (!this.enabled || (now - this.lastDraw < 100 && done < total)) {
      return;
    }
    this.lastDraw = now;
    this.drawn = true;
    const width = Math.max(10, Math.min(40, (process.stderr.columns || 80) - 60));
    const ratio = total > 0 ? done / total : 1;
    const filled = Math.round(ratio * width);
    const rate = done / Math.max(0.001, (now - this.started) / 1000);
    process.stderr.write(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ` +
        `${mib(done)}/${mib(total)} MiB ${mib(rate)} MiB/s`,
    );
  }

  done(): void {
    if (this.drawn) {
      process.stderr.write('\n');
    }
  }
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
