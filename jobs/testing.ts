/**
 * Test helpers for jobs: audit lines built with the shared codec.
 *
 * @module
 */

import { encodeExec, type ExecEvent } from "../scripts/logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";
import { basename } from "./suspicious_exec.ts";

/** An exec line of `pcomm` running `filename` at second `s` of 2026-11-27. */
export function execLine(pcomm: string, filename: string, s = 0, over: Partial<ExecEvent> = {}) {
  const argv = [basename(filename)];
  return encodeExec(execEvent({
    time_ns: String(BigInt(Date.parse("2026-11-27T00:00:00Z") / 1000 + s) * 1_000_000_000n),
    seq: s,
    pid: 100 + s,
    ppid: 99,
    comm: argv[0],
    pcomm,
    filename,
    argv,
    ...over,
  }));
}
