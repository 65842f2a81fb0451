import assert from "node:assert/strict";
import { DaySplitter, dayString, lineSeconds } from "./day_split.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const DAY = 20_418; // 2025-11-26
const ns = (day: number, sec: number) => `${day * 86_400 + sec}${"123456789"}`;
const e1 = (day: number, sec: number, tail = "x") => `E1\t${ns(day, sec)}\tboot\t${tail}\t.\n`;

function split(text: string, chunk = 7, fallbackDay = 1) {
  const s = new DaySplitter(fallbackDay);
  const bytes = enc.encode(text);
  const segs = [];
  for (let i = 0; i < bytes.length; i += chunk) segs.push(...s.push(bytes.slice(i, i + chunk)));
  segs.push(...s.end());
  // merge consecutive segments of a day, as a piece would
  const out: { day: string; text: string; lines: number }[] = [];
  for (const g of segs) {
    const last = out[out.length - 1];
    if (last && last.day === dayString(g.day)) {
      last.text += dec.decode(g.bytes);
      last.lines += g.lines;
    } else out.push({ day: dayString(g.day), text: dec.decode(g.bytes), lines: g.lines });
  }
  return { out, splitter: s };
}

Deno.test("lineSeconds() reads E1, S1, future versions and seed lines", () => {
  const t = (s: string) => lineSeconds(enc.encode(s), 0, s.length);
  assert.deepStrictEqual(t("E1\t1764201600123456789\tx"), 1764201600);
  assert.deepStrictEqual(t("S1\t1764201600000000000\tx"), 1764201600);
  assert.deepStrictEqual(t("E7\t1764201600999999999\tx"), 1764201600);
  assert.deepStrictEqual(t('1764201600\t12\t1\tls\tbash\t/bin/ls\t""'), 1764201600);
  assert.deepStrictEqual(t("E1\t17642016\tx"), 0); // under a second
  assert.deepStrictEqual(t("garbage"), -1);
  assert.deepStrictEqual(t("E1\t\tx"), -1);
  assert.deepStrictEqual(t("E1\t1764201600123456789"), -1); // torn inside the time
  assert.deepStrictEqual(t("Ex\t1764201600123456789\tx"), -1);
});

Deno.test("DaySplitter splits at UTC midnight and keeps every byte in order", () => {
  const text = e1(DAY, 86_398) + e1(DAY, 86_399) + e1(DAY + 1, 0) + e1(DAY + 1, 5);
  for (const chunk of [1, 3, 7, 64, 4096]) {
    const { out } = split(text, chunk);
    assert.deepStrictEqual(out.map((o) => [o.day, o.lines]), [["2025-11-26", 2], [
      "2025-11-27",
      2,
    ]]);
    assert.deepStrictEqual(out.map((o) => o.text).join(""), text);
  }
});

Deno.test("DaySplitter sends a late line back to its own day", () => {
  const text = e1(DAY, 86_399) + e1(DAY + 1, 0) + e1(DAY, 86_399, "late") + e1(DAY + 1, 1);
  const { out } = split(text);
  assert.deepStrictEqual(out.map((o) => o.day), [
    "2025-11-26",
    "2025-11-27",
    "2025-11-26",
    "2025-11-27",
  ]);
  assert.deepStrictEqual(out[2].text, e1(DAY, 86_399, "late"));
});

Deno.test("DaySplitter keeps untimed and torn lines with the line before", () => {
  const torn = `E1\t${ns(DAY + 1, 3)}\tbo`; // no "\n", cut short
  const text = e1(DAY, 10) + "garbage line\n" + e1(DAY + 1, 1) + "\x00\x01\n" + torn;
  const { out } = split(text);
  assert.deepStrictEqual(out.length, 2);
  assert.deepStrictEqual(out[0], {
    day: "2025-11-26",
    text: e1(DAY, 10) + "garbage line\n",
    lines: 2,
  });
  assert.deepStrictEqual(out[1].text, e1(DAY + 1, 1) + "\x00\x01\n" + torn);
  assert.deepStrictEqual(out[1].lines, 3);
});

Deno.test("DaySplitter gives leading untimed lines the first day seen, or the fallback", () => {
  const { out, splitter } = split("junk\nmore junk\n" + e1(DAY, 7));
  assert.deepStrictEqual(out, [{
    day: "2025-11-26",
    text: "junk\nmore junk\n" + e1(DAY, 7),
    lines: 3,
  }]);
  assert.deepStrictEqual(splitter.firstSeconds, DAY * 86_400 + 7);
  const none = split("junk\nno time at all", 5, DAY + 3).out;
  assert.deepStrictEqual(none, [{ day: "2025-11-29", text: "junk\nno time at all", lines: 2 }]);
});

Deno.test("DaySplitter spans several days (missed rotations)", () => {
  const text = [0, 1, 2, 3, 4].map((d) => e1(DAY + d, 100)).join("");
  assert.deepStrictEqual(split(text, 50).out.length, 5);
});
