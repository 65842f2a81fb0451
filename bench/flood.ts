/**
 * The flood test of the exec-storm benchmark (bench/collector.ts runs it): an attacker floods
 * execs so that the kernel drops the events that matter. Per step (a target exec rate for a few
 * seconds, against one collector with one ring size), this module reads the collector's log and
 * says what was lost: the S1 `rb_lost` counter, the gaps in the per-CPU `seq` numbers, the E2
 * `lost` fields (the per-CPU loss count carried by the next record that fits), and, per class of
 * exec (the flood, a low-rate marker program, low-rate failed execs), how many of its execs are
 * missing from the log. It also renders the section of bench/results/collector.md.
 *
 * Pure functions only: the processes are run by bench/collector.ts.
 *
 * @module
 */

/** One class of execs in a flood step, told apart in the log by argv[0]. */
export interface ExecClass {
  /** label in the report */
  name: string;
  /** argv[0] its execs carry (`<argv0> --bench <i>`) */
  argv0: string;
  /** execs attempted (from exec_storm's counts) */
  attempted: number;
}

/** What the log of one step shows. */
export interface FloodLog {
  /** exec records (E1/E2) in the log, of any process */
  execLines: number;
  /** per class: distinct `--bench` indices logged, and of those, records with ret != 0 */
  logged: Map<string, { distinct: number; failed: number }>;
  /** events missing by the per-CPU seq numbers (gaps between consecutive records of a CPU) */
  seqGaps: number;
  /** CPUs seen */
  cpus: number;
  /** sum of the E2 `lost` fields; undefined when the log has no E2 records (E1 has none) */
  lostField?: number;
  /** E2 records whose `lost` field is not 0 */
  lostCarriers: number;
}

/** Field positions of the exec records (docs/log-format.md). */
const LAYOUT = {
  E1: { cpu: 3, seq: 4, lost: -1, ret: 20, argv: 29 },
  E2: { cpu: 3, seq: 4, lost: 5, ret: 26, argv: 39 },
} as const;

/**
 * Reads a step's log: exec records per class (by argv[0] and `--bench <i>`), seq gaps per CPU
 * and the `lost` fields. Lines of other types (S1) are skipped.
 */
export function readFloodLog(text: string, classes: readonly ExecClass[]): FloodLog {
  const byArgv0 = new Map(classes.map((c) => [c.argv0, c.name]));
  const seen = new Map<string, Set<string>>(classes.map((c) => [c.name, new Set()]));
  const failed = new Map<string, number>(classes.map((c) => [c.name, 0]));
  const seqs = new Map<string, number[]>();
  let execLines = 0;
  let lostField: number | undefined;
  let lostCarriers = 0;
  for (const line of text.split("\n")) {
    const type = line.slice(0, 3);
    if (type !== "E1\t" && type !== "E2\t") continue;
    const L = LAYOUT[type === "E1\t" ? "E1" : "E2"];
    const f = line.split("\t");
    if (f.length <= L.argv) continue; // torn
    execLines++;
    const cpu = f[L.cpu];
    const seq = Number(f[L.seq]);
    if (Number.isFinite(seq)) {
      if (!seqs.has(cpu)) seqs.set(cpu, []);
      seqs.get(cpu)!.push(seq);
    }
    if (L.lost >= 0) {
      const n = Number(f[L.lost]);
      if (Number.isFinite(n)) {
        lostField = (lostField ?? 0) + n;
        if (n > 0) lostCarriers++;
      }
    }
    const cls = byArgv0.get(f[L.argv]);
    if (cls === undefined || f[L.argv + 1] !== "--bench") continue;
    const idx = f[L.argv + 2];
    const s = seen.get(cls)!;
    if (s.has(idx)) continue;
    s.add(idx);
    if (f[L.ret] !== "0") failed.set(cls, failed.get(cls)! + 1);
  }
  let seqGaps = 0;
  for (const list of seqs.values()) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i++) seqGaps += Math.max(0, list[i] - list[i - 1] - 1);
  }
  const logged = new Map<string, { distinct: number; failed: number }>();
  for (const c of classes) {
    logged.set(c.name, { distinct: seen.get(c.name)!.size, failed: failed.get(c.name)! });
  }
  return { execLines, logged, seqGaps, cpus: seqs.size, lostField, lostCarriers };
}

/** One step of the flood: a ring size, a target rate, what ran and what the log shows. */
export interface FloodStep {
  /** label of the ring configuration, e.g. "2 MiB (default)" */
  ring: string;
  /** ring bytes the collector reported in its `open` record (`ring_bytes`) */
  ringBytes?: number;
  /** target flood rate, exec/s; 0 = as fast as possible */
  target: number;
  /** seconds the step lasted (the flood's wall time) */
  wallS: number;
  /** the flood's achieved rate, exec/s */
  achieved: number;
  classes: ExecClass[];
  log?: FloodLog;
  /** the collector's S1 `exit` counters */
  exitStats?: Record<string, string>;
  error?: string;
}

const f0 = (x: number | undefined, d = 0) =>
  x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d);

/** Missing execs of a class: attempted − distinct logged. */
export function missing(step: FloodStep, cls: string): number | undefined {
  const c = step.classes.find((x) => x.name === cls);
  const l = step.log?.logged.get(cls);
  return c && l ? Math.max(0, c.attempted - l.distinct) : undefined;
}

/** Lost events of a step by the collector's own count (rb_lost, else seq gaps). */
export function lostOf(step: FloodStep): number | undefined {
  const rb = Number(step.exitStats?.rb_lost);
  if (Number.isFinite(rb)) return rb;
  return step.log?.seqGaps;
}

/**
 * The first step of each ring configuration that lost anything (rb_lost, seq gaps, or missing
 * execs of any class), in the order the steps ran; undefined: none lost.
 */
export function firstLoss(steps: readonly FloodStep[]): Map<string, FloodStep | undefined> {
  const out = new Map<string, FloodStep | undefined>();
  for (const s of steps) {
    if (!out.has(s.ring)) out.set(s.ring, undefined);
    if (out.get(s.ring) !== undefined || s.error) continue;
    const anyMissing = s.classes.some((c) => (missing(s, c.name) ?? 0) > 0);
    if ((lostOf(s) ?? 0) > 0 || (s.log?.seqGaps ?? 0) > 0 || anyMissing) out.set(s.ring, s);
  }
  return out;
}

/** The flood section of bench/results/collector.md. */
export function floodReport(
  steps: readonly FloodStep[],
  /** the commands (Markdown, quoted), the step length and notes */
  shape: { stepS: number; flood: string; marker: string; failer: string; notes: string[] },
): string {
  const L: string[] = ["## Flood test", ""];
  L.push(
    `Per step: a fresh collector (its defaults, but the ring), then for ${shape.stepS} s at once: ` +
      `the flood ${shape.flood}, a marker program ${shape.marker} (a distinct program at ` +
      `a low rate: does it survive the flood?) and failed execs ${shape.failer} (ENOENT: ` +
      "the sys_exit path). Then SIGTERM (the collector drains and writes its `exit` record).",
    "",
    "- achieved: the flood's exec/s; events logged: exec records in the log (any process); " +
      "rb_lost: the `exit` record's ring-buffer losses; seq gaps: per-CPU `seq` numbers missing " +
      "between consecutive records; `lost` field: sum of E2 `lost` (the per-CPU loss count " +
      "carried by the next record that fits; – on E1); missing: execs of the class not in the " +
      "log / attempted.",
    "",
  );
  L.push(
    "| ring | target exec/s | achieved exec/s | s | events logged | rb_lost | seq gaps | `lost` field (records carrying it) | missing flood | missing marker | missing failed execs | other losses |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  );
  for (const s of steps) {
    const m = (name: string) => {
      const c = s.classes.find((x) => x.name === name);
      const n = missing(s, name);
      return c ? `${f0(n)} / ${c.attempted}` : "–";
    };
    const st = s.exitStats ?? {};
    const other = ["queue_lost", "write_lost", "disk_dropped", "enter_lost"]
      .filter((k) => st[k] !== undefined && st[k] !== "0")
      .map((k) => `${k}=${st[k]}`).join(" ") || (s.exitStats ? "none" : "no exit record");
    L.push(
      `| ${s.ring} | ${s.target === 0 ? "max (2 workers)" : s.target} | ${f0(s.achieved)} | ${
        f0(s.wallS, 1)
      } | ${f0(s.log?.execLines)} | ${st.rb_lost ?? "?"} | ${f0(s.log?.seqGaps)} | ${
        s.log?.lostField === undefined ? "–" : `${s.log.lostField} (${s.log.lostCarriers})`
      } | ${m("flood")} | ${m("marker")} | ${m("failed")} | ${
        s.error ? `error: ${s.error}` : other
      } |`,
    );
  }
  L.push("");
  L.push("Loss starts (first step with any loss, per ring):", "");
  for (const [ring, s] of firstLoss(steps)) {
    if (!s) {
      L.push(`- ${ring}: no loss at any step`);
      continue;
    }
    const lostClasses = s.classes
      .map((c) => [c.name, missing(s, c.name) ?? 0, c.attempted] as const)
      .map(([n, k, a]) => `${n} ${k}/${a} (${a > 0 ? f0((100 * k) / a, 1) : "–"} %)`);
    L.push(
      `- ${ring}: at target ${s.target === 0 ? "max" : s.target} exec/s (achieved ${
        f0(s.achieved)
      }): lost ${f0(lostOf(s))}; by class: ${lostClasses.join(", ")}`,
    );
  }
  L.push("");
  if (shape.notes.length > 0) L.push("Notes:", "", ...shape.notes.map((n) => `- ${n}`), "");
  return L.join("\n");
}
