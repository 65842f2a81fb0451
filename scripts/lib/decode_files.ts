/**
 * Decodes log files to JSON lines (the `decode` task's logic).
 *
 * @module
 */

import { decodeLine, execId, MAX_LINE_BYTES, parentExecId, processId } from "../logformat/mod.ts";
import { openStream, readLines } from "./line_reader.ts";

export interface DecodeOptions {
  /** Keep only records of this type ("exec" or "stats"). @default {all} */
  type?: string;
  /** Receives output bytes (JSON lines). */
  out: (bytes: Uint8Array) => void;
  /** Receives one-line problem reports. */
  err: (line: string) => void;
}

export interface DecodeReport {
  files: number;
  records: number;
  bad: number;
  failedFiles: number;
}

/** Decodes every file in order; a bad line or an unreadable file is reported, never fatal. */
export async function decodeFiles(paths: string[], options: DecodeOptions): Promise<DecodeReport> {
  const te = new TextEncoder();
  const report: DecodeReport = { files: 0, records: 0, bad: 0, failedFiles: 0 };
  let batch: string[] = [];
  const emit = () => {
    if (batch.length) options.out(te.encode(batch.join("")));
    batch = [];
  };
  for (const path of paths) {
    report.files++;
    try {
      for await (const line of readLines(await openStream(path))) {
        if (line.tooLong) {
          report.bad++;
          options.err(
            `${path}:${line.no}: line_too_long: ${line.bytes} bytes, more than ${MAX_LINE_BYTES}: skipped unread`,
          );
          continue;
        }
        if (line.text === "" && line.terminated) continue;
        if (!line.terminated) {
          report.bad++;
          options.err(`${path}:${line.no}: torn last line skipped (no newline: cut by a crash)`);
          continue;
        }
        const rec = decodeLine(line.text);
        if (rec.type === "bad") {
          report.bad++;
          options.err(`${path}:${line.no}: ${rec.reason}: ${rec.detail}`);
          continue;
        }
        if (options.type && rec.type !== options.type) continue;
        report.records++;
        const obj = rec.type === "exec"
          ? {
            ...rec,
            exec_id: execId(rec),
            parent_exec_id: parentExecId(rec),
            process_id: processId(rec),
          }
          : rec;
        batch.push(JSON.stringify(obj) + "\n");
        if (batch.length >= 512) emit();
      }
    } catch (e) {
      report.failedFiles++;
      options.err(`${path}: cannot read: ${(e as Error).message}`);
    }
    emit();
  }
  return report;
}
