/**
 * The contract between the collector's encoder (event_encoder.ts) and argv
 * redaction (redact.ts): the encoder asks where the secrets of one argv are,
 * writes each hidden byte as `*` (lengths never change), and asks for the
 * `redact` note of the E2 line (docs/log-format.md).
 *
 * @module
 */

/** Plans and describes the cuts of one argv, on raw bytes, without allocating. */
export interface ArgvRedactor {
  /**
   * Finds the secrets of the argv at u8[start, end): NUL-separated elements,
   * at most `maxArgs` of them, the last one maybe cut short (no NUL). Writes
   * the cuts into `cuts` as triples (element index, absolute start, absolute
   * end), in order and non-overlapping, and returns how many it wrote (at
   * most cuts.length / 3); 0 when nothing is secret.
   */
  plan(u8: Uint8Array, start: number, end: number, maxArgs: number, cuts: Int32Array): number;
  /**
   * Writes the `redact` field for the `n` cuts just planned over the same
   * bytes (`elem:off:len:hash;...`, ASCII) at b[p...] and returns the new
   * position. Needs at most NOTE_BYTES_PER_CUT bytes a cut.
   */
  note(u8: Uint8Array, cuts: Int32Array, n: number, b: Uint8Array, p: number): number;
}

/** Most bytes one cut takes in the note ("ddd:ddddd:ddddd:<12 hex>;"). */
export const NOTE_BYTES_PER_CUT = 40;
/** Most cuts planned per argv (more secrets than this: the rest of the argv is hidden). */
export const MAX_CUTS = 64;
