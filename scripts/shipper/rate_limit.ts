/**
 * A byte-rate limit for uploads (`--max-rate`): callers `await take(n)`
 * before sending n bytes; up to one second's worth may go at once after a
 * pause.
 *
 * @module
 */

/** Clock and sleep, replaceable in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** Limits to `bytesPerSecond` (0 = no limit). */
export class RateLimit {
  readonly #rate: number;
  readonly #clock: Clock;
  #next = -Infinity;

  constructor(bytesPerSecond: number, clock: Clock = REAL) {
    this.#rate = bytesPerSecond;
    this.#clock = clock;
  }

  async take(n: number): Promise<void> {
    if (this.#rate <= 0) return;
    const now = this.#clock.now();
    // when these bytes may have left; at most one second of unused credit
    this.#next = Math.max(this.#next, now - 1000) + (n / this.#rate) * 1000;
    const wait = this.#next - now;
    if (wait > 1) await this.#clock.sleep(wait);
  }
}
