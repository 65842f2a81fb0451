import assert from "node:assert/strict";
import { decodeLine, type ExecEvent } from "../../scripts/logformat/mod.ts";
import { execEvent } from "../../tests/support/exec_event.ts";
import type { ExecRecord } from "../events.ts";
import {
  HostKeys,
  keyText,
  MAX_ANCESTORS,
  MAX_EXAMPLE_COMMAND_LINE,
  NO_PARENT,
  parentMarker,
} from "./host_keys.ts";

const rec = (over: Partial<ExecEvent> & { time_ns: string }): ExecRecord => ({
  ...execEvent(over),
  host: "h1",
  file: "h1.log",
  line: 1,
});

Deno.test("HostKeys.add() keeps a cut command line without splitting a surrogate pair", () => {
  const keys = new HostKeys();
  keys.enter("h1");
  // "echo " and the a's put the emoji's high surrogate last in the cap
  const long = "a".repeat(MAX_EXAMPLE_COMMAND_LINE - 6) + "\u{1F600}\u{1F600}";
  keys.add(rec({ time_ns: "1", filename: "/bin/echo", argv: ["echo", long] }));
  const [e] = keys.drain();
  assert.equal(e.ex.command_line_cut, true);
  assert.equal(e.ex.command_line.length, MAX_EXAMPLE_COMMAND_LINE - 1);
  assert.ok(e.ex.command_line.endsWith("a"));
});

Deno.test("HostKeys.add() counts execs of a key and keeps its earliest example", () => {
  const keys = new HostKeys();
  keys.enter("h1");
  keys.add(rec({ time_ns: "2000", pid: 2, filename: "/bin/ls", argv: ["ls", "b"] }));
  keys.add(rec({ time_ns: "1000", pid: 3, filename: "/bin/ls", argv: ["ls", "a"] })); // clock step
  keys.add(rec({ time_ns: "3000", pid: 4, filename: "/bin/ls", argv: ["ls", "c"] }));
  const image = keys.drain().find((e) => e.kind === "image")!;
  assert.equal(image.n, 3);
  assert.equal(image.ex.command_line, "ls a");
  assert.equal(keys.drain().length, 0);
});

Deno.test("HostKeys.add() lists ancestors up to MAX_ANCESTORS", () => {
  const keys = new HostKeys();
  keys.enter("h1");
  const n = MAX_ANCESTORS + 5;
  for (let i = 1; i <= n; i++) {
    keys.add(rec({
      time_ns: String(i),
      pid: 10 + i,
      start_ns: String(i),
      ppid: i === 1 ? 0 : 9 + i,
      pstart_ns: String(i - 1),
      pxid: "1",
      filename: `/bin/p${i}`,
    }));
  }
  const last = keys.drain().find((e) => e.kind === "image" && e.image === `/bin/p${n}`)!;
  assert.equal(last.ex.ancestors.length, MAX_ANCESTORS);
  assert.equal(last.ex.ancestors[0], `/bin/p${n - 1}`);
  assert.equal(last.ex.chain_end, "max_depth");
});

Deno.test("HostKeys.add() reads version 0 records: parent by pcomm, no user, no exec id", () => {
  const keys = new HostKeys();
  keys.enter("h1");
  const ev = decodeLine('1698393600\t42\t1\tbash\tsshd\t/tmp/tmp.Ab12Cd/x\t"x -s"');
  keys.add({ ...(ev as ExecEvent), host: "h1", file: "old.log", line: 1 });
  const entries = keys.drain();
  assert.deepEqual(entries.map((e) => [e.kind, keyText(e.kind, e.image, e.other)]), [
    ["image", "/tmp/tmp.*/x"],
    ["parent_image", `${parentMarker("sshd")} -> /tmp/tmp.*/x`],
  ]);
  assert.equal(entries[0].ex.exec_id, null);
  assert.equal(entries[0].ex.image, "/tmp/tmp.Ab12Cd/x");
  assert.deepEqual(entries[0].ex.ancestors, [parentMarker("sshd")]);
});

Deno.test("HostKeys.add() names a process without a parent", () => {
  const keys = new HostKeys();
  keys.enter("h1");
  keys.add(rec({ time_ns: "1", pid: 1, ppid: 0, filename: "/sbin/init" }));
  const pair = keys.drain().find((e) => e.kind === "parent_image")!;
  assert.equal(pair.other, NO_PARENT);
  assert.deepEqual([pair.ex.ancestors, pair.ex.chain_end], [[], "root"]);
});

Deno.test("HostKeys.enter() forgets the previous host's keys and parents", () => {
  const keys = new HostKeys();
  keys.enter("h1");
  keys.add(rec({ time_ns: "1", pid: 5, start_ns: "5", filename: "/bin/sh" }));
  keys.enter("h2");
  keys.add(rec({ time_ns: "2", pid: 6, ppid: 5, pstart_ns: "5", pxid: "1", filename: "/bin/ls" }));
  const entries = keys.drain();
  assert.ok(!entries.some((e) => e.image === "/bin/sh"));
  assert.equal(entries.find((e) => e.kind === "parent_image")?.other, parentMarker(""));
});
