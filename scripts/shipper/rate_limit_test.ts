import assert from "node:assert/strict";
import { RateLimit } from "./rate_limit.ts";

/** A clock that only moves when slept on. */
function fakeClock() {
  let t = 50_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: (ms: number) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

Deno.test("RateLimit holds the average to the rate after one second of credit", async () => {
  const clock = fakeClock();
  const limit = new RateLimit(1000, clock);
  await limit.take(1000); // the credit
  assert.deepStrictEqual(clock.slept, []);
  for (let i = 0; i < 10; i++) await limit.take(500);
  // 5000 bytes at 1000 B/s: five seconds of waiting in all
  assert.equal(Math.round(clock.slept.reduce((a, b) => a + b, 0)), 5000);
  assert.equal(clock.slept.length, 10);
});

Deno.test("RateLimit with rate 0 never waits", async () => {
  const clock = fakeClock();
  const limit = new RateLimit(0, clock);
  for (let i = 0; i < 100; i++) await limit.take(1e9);
  assert.deepStrictEqual(clock.slept, []);
});
