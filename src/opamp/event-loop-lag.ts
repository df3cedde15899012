import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How late this process's event loop has been running lately: the worst delay seen in the last
 * completed second. A loop that is seconds behind cannot answer new agents' first messages in
 * time, so admission refuses new handshakes (503 + Retry-After) instead of letting them queue
 * until the client or the kernel gives up.
 */
export class EventLoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private timer?: NodeJS.Timeout;
  private lastMs = 0;

  start(): void {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.lastMs = this.histogram.max / 1e6;
      this.histogram.reset();
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  /** Milliseconds; the interval that measures it is itself late by as much, so it reads low, never high. */
  get ms(): number {
    return Math.max(this.lastMs, this.histogram.max / 1e6);
  }
}
