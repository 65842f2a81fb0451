import assert from "node:assert/strict";
import { type ExecClass, firstLoss, type FloodStep, missing, readFloodLog } from "./flood.ts";

const BOOT = "0123456789abcdef0123456789abcdef";

/** An E2 line (docs/log-format.md) with the fields the flood reads; the others filler. */
function e2(cpu: number, seq: number, lost: number, ret: string, argv: string[]): string {
  const f = ["E2", "1764547200000000000", BOOT, String(cpu), String(seq), String(lost)];
  while (f.length < 26) f.push("1");
  f.push(ret, "0", "t", "/x", "", "/x", "8:1", "1", String(argv.length), "9", "", "", "");
  assert.equal(f.length, 39);
  return [...f, ...argv, "."].join("\t");
}

/** An E1 line with the fields the flood reads. */
function e1(cpu: number, seq: number, ret: string, argv: string[]): string {
  const f = ["E1", "1764547200000000000", BOOT, String(cpu), String(seq)];
  while (f.length < 20) f.push("1");
  f.push(ret, "0", "t", "/x", "", String(argv.length), "9", String(argv.length), "9");
  assert.equal(f.length, 29);
  return [...f, ...argv, "."].join("\t");
}

const CLASSES: ExecClass[] = [
  { name: "flood", argv0: "t", attempted: 5 },
  { name: "marker", argv0: "flood_marker", attempted: 2 },
  { name: "failed", argv0: "flood_fail", attempted: 2 },
];

Deno.test("readFloodLog() counts seq gaps per CPU, the lost fields and the execs per class", () => {
  const log = [
    "S1\t1\t" + BOOT + "\topen\tring_bytes=2097152\t.",
    e2(0, 10, 0, "0", ["t", "--bench", "0"]),
    e2(1, 3, 0, "0", ["t", "--bench", "1"]),
    // cpu 0 lost 11 and 12: the next record that fits carries lost=2
    e2(0, 13, 2, "0", ["flood_marker", "--bench", "0"]),
    e2(0, 14, 0, "-2", ["flood_fail", "--bench", "0"]),
    e2(1, 4, 0, "0", ["t", "--bench", "2"]),
    e2(1, 4 + 1, 0, "0", ["t", "--bench", "2"]), // a second line of one exec counts once
    e2(1, 9, 3, "0", ["other", "--bench", "7"]), // not a class: counted in lines and seq only
    "E2\t1\ttorn",
  ].join("\n");
  const r = readFloodLog(log, CLASSES);
  assert.equal(r.execLines, 7);
  assert.equal(r.cpus, 2);
  assert.equal(r.seqGaps, 2 + 3);
  assert.equal(r.lostField, 5);
  assert.equal(r.lostCarriers, 2);
  assert.deepEqual(r.logged.get("flood"), { distinct: 3, failed: 0 });
  assert.deepEqual(r.logged.get("marker"), { distinct: 1, failed: 0 });
  assert.deepEqual(r.logged.get("failed"), { distinct: 1, failed: 1 });
});

Deno.test("readFloodLog() reads E1 records, which have no lost field", () => {
  const log = [
    e1(0, 1, "0", ["t", "--bench", "0"]),
    e1(0, 3, "-2", ["flood_fail", "--bench", "4"]),
  ].join("\n");
  const r = readFloodLog(log, CLASSES);
  assert.equal(r.seqGaps, 1);
  assert.equal(r.lostField, undefined);
  assert.deepEqual(r.logged.get("flood"), { distinct: 1, failed: 0 });
  assert.deepEqual(r.logged.get("failed"), { distinct: 1, failed: 1 });
});

Deno.test("firstLoss() names the first step of each ring that lost anything", () => {
  const step = (ring: string, target: number, rb: string, flood: number): FloodStep => ({
    ring,
    target,
    wallS: 1,
    achieved: target,
    classes: CLASSES,
    exitStats: { rb_lost: rb },
    log: {
      execLines: flood,
      logged: new Map([["flood", { distinct: flood, failed: 0 }], [
        "marker",
        { distinct: 2, failed: 0 },
      ], ["failed", { distinct: 2, failed: 2 }]]),
      seqGaps: Number(rb),
      cpus: 2,
      lostCarriers: 0,
    },
  });
  const steps = [
    step("2 MiB", 5000, "0", 5),
    step("2 MiB", 10000, "4", 1),
    step("2 MiB", 20000, "9", 0),
    step("32 MiB", 5000, "0", 5),
  ];
  const first = firstLoss(steps);
  assert.equal(first.get("2 MiB"), steps[1]);
  assert.equal(first.get("32 MiB"), undefined);
  assert.equal(missing(steps[1], "flood"), 4);
  assert.equal(missing(steps[1], "marker"), 0);
});
