import assert from "node:assert/strict";
import { bitsValue, dayNumber, dayText, parseBits, popcount, shiftBits } from "./days.ts";

Deno.test("dayNumber() and dayText() round-trip calendar days, refuse others", () => {
  const n = dayNumber("2026-11-27")!;
  assert.equal(dayText(n), "2026-11-27");
  assert.equal(dayText(n + 5), "2026-12-02");
  assert.equal(dayNumber("1970-01-02"), 1);
  for (const bad of ["2026-02-30", "2026-1-1", "x", 20261127, null]) {
    assert.equal(dayNumber(bad), null, String(bad));
  }
});

Deno.test("parseBits() reads numbers and decimal longs, refuses the rest", () => {
  assert.equal(parseBits(5), 5n);
  assert.equal(parseBits("4611686018427387903"), (1n << 62n) - 1n);
  for (const bad of [-1, 1.5, "0x1", "", null, true, "12345678901234567890"]) {
    assert.equal(parseBits(bad), null, String(bad));
  }
});

Deno.test("bitsValue() keeps exact numbers as numbers, big ones as text", () => {
  assert.equal(bitsValue(7n), 7);
  assert.equal(bitsValue(1n << 60n), String(1n << 60n));
  assert.equal(parseBits(bitsValue(1n << 60n)), 1n << 60n);
});

Deno.test("shiftBits() moves a bitmap to a later day and drops days out of the window", () => {
  // seen on days 10 and 8 (anchored at 10): bits 0 and 2
  const b = 0b101n;
  assert.equal(shiftBits(b, 10, 12, 30), 0b10100n);
  assert.equal(shiftBits(b, 10, 12, 4), 0b0100n); // day 8 is 4 days before 12: out of a 4-day window
  assert.equal(shiftBits(b, 10, 10, 1), 1n);
  assert.equal(shiftBits((1n << 62n) - 1n, 0, 1, 62), (1n << 62n) - 2n);
});

Deno.test("popcount() counts the days set", () => {
  assert.equal(popcount(0n), 0);
  assert.equal(popcount(0b1011n), 3);
  assert.equal(popcount((1n << 62n) - 1n), 62);
  assert.equal(popcount((1n << 40n) | 1n), 2);
});
