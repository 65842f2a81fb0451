/**
 * The audit log format (docs/log-format.md): the one module that reads and
 * writes it, for the collector, the decoder, the shipper and the jobs. The
 * collector's byte-level twin is scripts/collector/event_encoder.ts.
 *
 * @module
 */

export { type BadLine, END_MARK, isoFromNs, MAX_LINE_BYTES, utf8Length } from "./fields.ts";
export {
  E1,
  E2,
  encodeExec,
  type ExecEvent,
  execId,
  FLAGS,
  FORMAT_VERSION,
  INIT_NS,
  parentExecId,
  processId,
  SYSCALL_CODES,
} from "./exec.ts";
export { encodeStats, STATS_VERSION, type StatsEvent } from "./stats.ts";
export { type AuditRecord, kindNames, RECORD_KINDS, type RecordKind } from "./registry.ts";
export { decodeLine } from "./decode_line.ts";
export {
  escapeBytes,
  escapedMax,
  EscapeError,
  escapeField,
  escapeInto,
  unescapeBytes,
  unescapeField,
} from "./field_escape.ts";
