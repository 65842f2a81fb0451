/**
 * Splits a log's bytes by the UTC day of each line's own timestamp, so that
 * the partition `dt=D` holds exactly the events of day D even when a file
 * spans midnight (or, after missed rotations, several days). Lines are passed
 * on byte for byte; a line without a readable time (torn, garbage) stays with
 * the line before it.
 *
 * Every record type of every format version has its wall-clock time in
 * nanoseconds as the second field (`E1\t<ns>\t...`); the seed prototype's
 * lines start with the time in seconds.
 *
 * @module
 */

/** Consecutive whole lines of one day. */
export interface Segment {
  /** UTC day number (days since 1970-01-01) */
  day: number;
  bytes: Uint8Array;
  lines: number;
}

const NL = 0x0a;
const TAB = 0x09;
const MS_PER_DAY = 86_400_000;

/** The UTC day of a line's time, or -1 when the line has none. */
export function lineDay(b: Uint8Array, start: number, end: number): number {
  const sec = lineSeconds(b, start, end);
  return sec < 0 ? -1 : Math.floor(sec / 86_400);
}

/** Whole seconds of a line's time, or -1. */
export function lineSeconds(b: Uint8Array, start: number, end: number): number {
  // the common case first: "<letter><digit>\t<19 digits>\t"
  if (start + 23 < end && b[start + 2] === TAB && b[start + 22] === TAB) {
    const l = b[start];
    const v = b[start + 1];
    if (l >= 0x41 && l <= 0x5a && v >= 0x30 && v <= 0x39) {
      let sec = 0;
      let k = start + 3;
      for (; k < start + 22; k++) {
        const c = b[k] - 0x30;
        if (c < 0 || c > 9) break;
        if (k < start + 13) sec = sec * 10 + c;
      }
      if (k === start + 22) return sec;
    }
  }
  let i = start;
  let c = b[i];
  let nanos = true;
  if (c >= 0x41 && c <= 0x5a) {
    // "<letter><version>\t<ns>\t"
    i++;
    const v = i;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (i === v || i >= end || b[i] !== TAB) return -1;
    i++;
  } else if (c >= 0x30 && c <= 0x39) {
    nanos = false; // seed format: seconds first
  } else {
    return -1;
  }
  const d = i;
  while (i < end && (c = b[i]) >= 0x30 && c <= 0x39) i++;
  const n = i - d;
  if (n === 0 || n > 20 || i >= end || b[i] !== TAB) return -1;
  const secDigits = nanos ? n - 9 : n;
  let sec = 0;
  for (let k = d; k < d + secDigits; k++) sec = sec * 10 + (b[k] - 0x30);
  return sec > 1e11 ? -1 : sec;
}

/** "2026-11-27" for a day number. */
export function dayString(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The day number of a time in ms. */
export function dayOfMs(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/**
 * Feed chunks with {@link push}, then call {@link end}. Segments come out in
 * file order; their concatenation is the input.
 */
export class DaySplitter {
  #carry: Uint8Array = new Uint8Array(0);
  #day = -1;
  /** lines before the first line with a time */
  #pending: Uint8Array[] = [];
  #pendingLines = 0;
  #pendingBytes = 0;
  readonly #fallbackDay: number;
  readonly #maxPending: number;
  #firstSeconds = -1;
  #firstLine: Uint8Array | undefined;

  /**
   * @param fallbackDay day for lines when no line has a time (the file's mtime)
   * @param maxPending bytes of untimed leading lines held back, at most
   */
  constructor(fallbackDay: number, maxPending = 8 * 1024 * 1024) {
    this.#fallbackDay = fallbackDay;
    this.#maxPending = maxPending;
  }

  /** The first timed line (its bytes, for naming), once seen. */
  get firstTimedLine(): Uint8Array | undefined {
    return this.#firstLine;
  }

  /** Seconds of the first timed line, -1 before one is seen. */
  get firstSeconds(): number {
    return this.#firstSeconds;
  }

  /**
   * Whole lines of `chunk` (with any carried partial line), as segments.
   * Segments may be views into `chunk`: use them before the next push.
   */
  push(chunk: Uint8Array): Segment[] {
    const out: Segment[] = [];
    let from = 0;
    if (this.#carry.length) {
      // finish the carried line in a small buffer of its own
      const nl = chunk.indexOf(NL);
      const joined = new Uint8Array(this.#carry.length + (nl < 0 ? chunk.length : nl + 1));
      joined.set(this.#carry);
      joined.set(chunk.subarray(0, nl < 0 ? chunk.length : nl + 1), this.#carry.length);
      if (nl < 0) {
        this.#carry = joined;
        return out;
      }
      this.#carry = new Uint8Array(0);
      this.#scan(joined, 0, out);
      from = nl + 1;
    }
    const rest = this.#scan(chunk, from, out);
    if (rest < chunk.length) this.#carry = chunk.slice(rest);
    return out;
  }

  /** Emits the whole lines of b[from..]; returns where the unfinished line starts. */
  #scan(b: Uint8Array, from: number, out: Segment[]): number {
    let segStart = from;
    let segLines = 0;
    let pos = from;
    for (;;) {
      const nl = b.indexOf(NL, pos);
      if (nl < 0) break;
      const day = lineDay(b, pos, nl);
      if (day >= 0 && this.#firstSeconds < 0) {
        this.#firstSeconds = lineSeconds(b, pos, nl);
        this.#firstLine = b.slice(pos, nl);
      }
      if (day >= 0 && day !== this.#day) {
        if (pos > segStart) this.#emit(out, b.subarray(segStart, pos), segLines);
        segStart = pos;
        segLines = 0;
        this.#setDay(out, day);
      }
      segLines++;
      pos = nl + 1;
    }
    if (pos > segStart) this.#emit(out, b.subarray(segStart, pos), segLines);
    return pos;
  }

  /** The rest: a last line without "\n" (kept as is) and any held-back lines. */
  end(): Segment[] {
    const out: Segment[] = [];
    if (this.#carry.length) {
      const day = lineDay(this.#carry, 0, this.#carry.length);
      if (day >= 0 && this.#firstSeconds < 0) {
        this.#firstSeconds = lineSeconds(this.#carry, 0, this.#carry.length);
        this.#firstLine = this.#carry.slice();
      }
      if (day >= 0 && day !== this.#day) this.#setDay(out, day);
      this.#emit(out, this.#carry, 1);
      this.#carry = new Uint8Array(0);
    }
    if (this.#day < 0 && this.#pendingBytes) this.#setDay(out, this.#fallbackDay);
    return out;
  }

  #setDay(out: Segment[], day: number): void {
    this.#day = day;
    if (this.#pendingBytes) {
      // untimed leading lines go with the first day seen
      const all = new Uint8Array(this.#pendingBytes);
      let o = 0;
      for (const p of this.#pending) {
        all.set(p, o);
        o += p.length;
      }
      out.push({ day, bytes: all, lines: this.#pendingLines });
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#pendingLines = 0;
    }
  }

  #emit(out: Segment[], bytes: Uint8Array, lines: number): void {
    if (this.#day < 0) {
      this.#pending.push(bytes.slice());
      this.#pendingBytes += bytes.length;
      this.#pendingLines += lines;
      if (this.#pendingBytes > this.#maxPending) this.#setDay(out, this.#fallbackDay);
      return;
    }
    const last = out[out.length - 1];
    if (
      last && last.day === this.#day && last.bytes.buffer === bytes.buffer &&
      last.bytes.byteOffset + last.bytes.length === bytes.byteOffset
    ) {
      out[out.length - 1] = {
        day: this.#day,
        bytes: new Uint8Array(
          bytes.buffer,
          last.bytes.byteOffset,
          last.bytes.length + bytes.length,
        ),
        lines: last.lines + lines,
      };
      return;
    }
    out.push({ day: this.#day, bytes, lines });
  }
}
