import { RateLimitedError } from '../errors.js';

/**
 * Fixed-window counters kept in memory. Per server process: behind several servers each enforces its own
 * share, which still bounds abuse; the limits are set for one server.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt for the key; throws RateLimitedError once the limit is passed. */
  hit(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size > 50_000) this.sweep(now);
      this.windows.set(key, { start: now, count: 1 });
      return;
    }
    w.count++;
    if (w.count > this.limit) {
      throw new RateLimitedError(Math.ceil((w.start + this.windowMs - now) / 1000));
    }
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}
