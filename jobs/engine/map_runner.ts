/**
 * The fused map side: every selected job over one decode of the input. Both
 * engines drive it (the in-memory one and the Spark one, through
 * stream.ts), so they share one implementation of decoding, file events,
 * combining and output encoding; only the moving of lines differs.
 *
 * @module
 */

import {
  CounterMap,
  type FileEvent,
  type Job,
  type JobContext,
  type Json,
  type MapOut,
} from "../job.ts";
import { decodeInput } from "./input.ts";
import { KV, ROW, shuffleKey } from "./protocol.ts";

/** Map-side buffering: combine and flush when this many keys are held. */
export const MAX_HELD_KEYS = 50_000;

/** Checks a row's table is one of the job's. */
function tableCheck(job: Job): (table: string) => void {
  const names = new Set(job.tables.map((t) => t.name));
  return (table) => {
    if (!names.has(table)) {
      throw new RangeError(`job ${job.name} wrote a row of "${table}", not one of its tables`);
    }
  };
}

/** Runs the jobs' map sides; `out` receives protocol lines (K and R lines, no "\n"). */
export class MapRunner {
  readonly counters = new CounterMap();
  readonly #jobs: { job: Job; out: MapOut; ctx: JobContext }[];
  /** combinable values held: shuffle key -> values */
  readonly #held = new Map<string, { job: Job; key: Json; values: Json[] }>();
  #host = "";
  #file = "";
  #line = 0;

  constructor(jobs: readonly Job[], readonly day: string | undefined, out: (line: string) => void) {
    this.#jobs = jobs.map((job) => {
      const ctx: JobContext = { counters: this.counters, day };
      const check = tableCheck(job);
      const combine = job.steps[0]?.combine;
      const mapOut: MapOut = {
        emit: (key, value, step = 0) => {
          if (step >= job.steps.length) {
            throw new RangeError(
              `job ${job.name} emitted to step ${step}: it has ${job.steps.length}`,
            );
          }
          const keyJson = JSON.stringify(key);
          if (step === 0 && combine) {
            const k = shuffleKey(0, job.name, keyJson);
            const g = this.#held.get(k);
            if (g) g.values.push(value);
            else this.#held.set(k, { job, key, values: [value] });
            if (this.#held.size >= MAX_HELD_KEYS) this.flush();
          } else out(`${KV}${shuffleKey(step, job.name, keyJson)}\t${JSON.stringify(value)}`);
        },
        row: (table, row) => {
          check(table);
          out(`${ROW}${table}\t${JSON.stringify(row)}`);
        },
      };
      return { job, out: mapOut, ctx };
    });
    this.#out = out;
    this.#rawJobs = this.#jobs.filter((j) => j.job.line !== undefined);
  }
  /** the jobs with a `line` hook */
  readonly #rawJobs: { job: Job; out: MapOut; ctx: JobContext }[];
  readonly #out: (line: string) => void;

  /** Combines and writes the held values. */
  flush(): void {
    for (const [k, g] of this.#held) {
      const ctx: JobContext = { counters: this.counters, day: this.day };
      g.job.steps[0].combine!(g.key, g.values, (key, value) => {
        const kk = key === g.key ? k : shuffleKey(0, g.job.name, JSON.stringify(key));
        this.#out(`${KV}${kk}\t${JSON.stringify(value)}`);
      }, ctx);
    }
    this.#held.clear();
  }

  /** A file event (start, end, key); a start sets the origin of the lines that follow. */
  file(ev: FileEvent): void {
    if (ev.kind === "start") {
      this.#host = ev.host;
      this.#file = ev.file;
      this.#line = 0;
      this.counters.inc("input", "files");
      if (ev.conflict) this.counters.inc("input", "conflict_files");
    } else if (ev.kind === "end" && ev.error) this.counters.inc("input", "corrupt_files");
    for (const j of this.#jobs) j.job.file?.(ev, j.out, j.ctx);
  }

  /** A raw line of the current file. */
  line(text: string): void {
    this.#line++;
    if (this.#rawJobs.length) {
      const origin = { host: this.#host, file: this.#file, line: this.#line };
      for (const j of this.#rawJobs) j.job.line!(text, origin, j.out, j.ctx);
    }
    if (text === "") {
      this.counters.inc("input", "empty_lines");
      return;
    }
    const origin = { host: this.#host, file: this.#file, line: this.#line };
    const r = decodeInput(origin, text, this.day, this.counters);
    if (r.type === "bad") {
      for (const j of this.#jobs) j.job.bad?.(r, j.out, j.ctx);
      return;
    }
    for (const j of this.#jobs) j.job.map(r, j.out, j.ctx);
  }

  /** A line over the cap, skipped by the reader: counted, and handed to the jobs' `bad`. */
  tooLong(bytes: number): void {
    this.#line++;
    this.counters.inc("input", "line_too_long");
    const bad = {
      type: "bad" as const,
      reason: "line_too_long" as const,
      detail: `line of ${bytes} bytes over the cap`,
      host: this.#host,
      file: this.#file,
      line: this.#line,
    };
    for (const j of this.#jobs) j.job.bad?.(bad, j.out, j.ctx);
  }

  /** A side-input row for `job`. */
  side(jobName: string, input: string, row: Record<string, Json>): void {
    const j = this.#jobs.find((x) => x.job.name === jobName);
    if (!j?.job.side) return;
    this.counters.inc("side", `${jobName}.${input}`);
    j.job.side(input, row, j.out, j.ctx);
  }

  /** After the task's last input: the jobs' mapEnd, then the held values. */
  end(): void {
    for (const j of this.#jobs) j.job.mapEnd?.(j.out, j.ctx);
    this.flush();
  }
}
