/**
 * A byte-rate limit for uploads (`--max-rate`): callers `await take(n)`
 * before sending n bytes; a burst of one second is allowed.
 *
 * @module
 */

/** Limits to `bytesPerSecond` (0 = no limit). */
export class RateLimit {
  readonly #rate: number;
  #next = 0;

  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond;
  }

  async take(n: number): Promise<void> {
    if (this.#rate <= 0) return;
    const now = performance.now();
    // the time at which these bytes may have left, allowing one second of credit
    this.#next = Math.max(this.#next, now - 1000) + (n / this.#rate) * 1000;
    const wait = this.#next - now;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
}
