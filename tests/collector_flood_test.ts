/**
 * A full ring on the real kernel: the collector is stopped (SIGSTOP) while an
 * exec storm fills its 1 MiB ring, then resumed. What did not fit is counted
 * three ways that must agree: the kernel's rb_lost in S1, the per-CPU `lost`
 * count carried by the next record that fits on that CPU (E2), and the gaps
 * in the per-CPU `seq` numbers. Needs root.
 */
import assert from "node:assert/strict";
import { buildExecs, Collector, delay, records, storm, tally } from "./live_helpers.ts";

Deno.test("collector with a full ring counts every lost exec: rb_lost = sum of E2 lost = seq gaps", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-flood-" });
  const log = `${dir}/audit.log`;
  const c = new Collector(log, ["--ring-mb", "1"]);
  try {
    await c.ready();
    const m = `fl${crypto.randomUUID().slice(0, 8)}`;
    Deno.kill(c.pid, "SIGSTOP"); // nobody drains: the ring fills
    const N = 12_000;
    try {
      assert.equal(await storm(N, m, 2), N);
    } finally {
      Deno.kill(c.pid, "SIGCONT");
    }
    await delay(1500); // the collector drains the full ring
    // after the flood, one exec on every CPU carries the count of what its CPU lost
    for (let cpu = 0; cpu < navigator.hardwareConcurrency; cpu++) {
      await new Deno.Command("taskset", { args: ["-c", String(cpu), "/bin/true", "after"] })
        .output();
    }
    await delay(1500);
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    const r = await records(log);
    assert.deepEqual(r.bad, []);
    const exit = r.stats.find((s) => s.reason === "exit")!;
    const rbLost = Number(exit.values.rb_lost);
    const seen = tally(r.exec, m).size;
    assert.ok(rbLost > 0, "a 1 MiB ring cannot hold 12,000 execs");
    assert.ok(seen > 0 && seen < N, `${seen} of ${N} execs logged`);
    // every exec of the storm is either logged or counted as lost (the storm's execs are
    // nearly all the host's: other execs only add to both sides)
    assert.ok(seen + rbLost >= N, `logged ${seen} + lost ${rbLost} >= ${N}`);
    const lostField = r.exec.reduce((n, e) => n + (e.lost ?? 0), 0);
    assert.equal(lostField, rbLost, "the E2 lost counts add up to the kernel's rb_lost");
    // the per-CPU seq gaps of this run's records are the same losses
    const byCpu = new Map<number, number[]>();
    for (const e of r.exec) byCpu.set(e.cpu, [...(byCpu.get(e.cpu) ?? []), e.seq]);
    let gaps = 0;
    for (const seqs of byCpu.values()) {
      seqs.sort((a, b) => a - b);
      for (let i = 1; i < seqs.length; i++) gaps += seqs[i] - seqs[i - 1] - 1;
    }
    assert.equal(gaps, rbLost, "seq gaps = rb_lost");
    assert.equal(Number(exit.values.queue_lost), 0);
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
