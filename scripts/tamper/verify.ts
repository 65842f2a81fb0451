/**
 * The verifier of the keyed hash chain: a streaming state machine over the
 * lines of one host's consecutive files ({@link ChainVerifier}: one call per
 * line, or per run of data lines, usable by a map side that sees a host's
 * lines in order), and {@link verifyFiles} over files (gzip too).
 *
 * Every chained S1 record names its run (`nonce`) and segment (`seg`), so a
 * verifier can pick up at any record: a file or a day's piece read alone is
 * checked from its first record on, the lines before it being an
 * unverifiable head.
 *
 * @module
 */

import { openStream } from "../lib/line_reader.ts";
import { concatBytes } from "../lib/text_bytes.ts";
import { fromHex, keyAt, keyId, nextKey, SegmentMac, toHex, ZERO_CHAIN } from "./chain.ts";

/** What broke. */
export type BreakKind =
  /** a segment's lines do not match its chain record (bytes edited, lines added or swapped) */
  | "edited"
  /** lines are missing from a segment (fewer than its `seg_lines`), or whole segments are */
  | "lines-missing"
  /** segments missing at a file boundary: a file deleted, or the previous one cut short */
  | "file-missing"
  /** records out of order (files or segments swapped) */
  | "reordered"
  /** a run's open does not name the chain the previous run ended with */
  | "run-link"
  /** lines before the first chain record that can be checked */
  | "unverifiable-head"
  /** lines after the last chain record (a cut tail, a killed collector, a live file) */
  | "unverifiable-tail"
  /** no escrowed key for a run: its segments cannot be checked */
  | "no-key";

/** Kinds that say the evidence is incomplete rather than contradicted. */
export const UNVERIFIABLE: ReadonlySet<BreakKind> = new Set([
  "unverifiable-head",
  "unverifiable-tail",
  "no-key",
]);

export interface ChainBreak {
  file: string;
  /** 1-based line where the broken stretch starts */
  line: number;
  kind: BreakKind;
  detail: string;
}

/** One collector run as seen in the files. */
export interface RunSummary {
  nonce: string;
  host: string;
  boot: string;
  /** where its first record was seen */
  file: string;
  line: number;
  firstSeg: number;
  lastSeg: number;
  /** time of its first and last record, ns since the epoch */
  startNs: string;
  endNs: string;
  /** reason of its last record (`exit`, `close`, `periodic`, ...) */
  end: string;
  verified: number;
  keyed: boolean;
}

export interface VerifyCounts {
  /** segments whose chain held */
  verified: number;
  /** breaks that contradict the chain (edited, missing, reordered, run links) */
  broken: number;
  /** segments or stretches that could not be checked (no key, head, tail) */
  unverifiable: number;
}

export interface VerifyResult {
  ok: boolean;
  breaks: ChainBreak[];
  runs: RunSummary[];
  counts: VerifyCounts;
}

export interface VerifyOptions {
  /** first keys by run nonce (escrow.ts loadKeys) */
  keys: Map<string, Uint8Array>;
}

/** A chained S1 record, parsed. */
interface SealRecord {
  time: string;
  boot: string;
  reason: string;
  fields: Map<string, string>;
  seg: number;
  chain: Uint8Array;
  /** the bytes the MAC covers of the line itself (through `chain=`) */
  prefix: Uint8Array;
}

const TAIL = 64 + 3; // "<hex>\t.\n"
const dec = new TextDecoder();

/** A chained S1 line (with its LF) parsed, or null for any other line. */
export function parseSeal(b: Uint8Array): SealRecord | null {
  const n = b.length;
  if (n < 80 || b[0] !== 0x53 || b[1] !== 0x31 || b[2] !== 0x09 || b[n - 1] !== 0x0a) return null;
  if (b[n - 2] !== 0x2e || b[n - 3] !== 0x09) return null;
  const p = n - TAIL;
  // "\tchain=" right before the hex
  if (dec.decode(b.subarray(p - 7, p)) !== "\tchain=") return null;
  const chain = fromHex(dec.decode(b.subarray(p, p + 64)));
  if (!chain) return null;
  const f = dec.decode(b.subarray(0, p - 7)).split("\t");
  if (f.length < 5) return null;
  const fields = new Map<string, string>();
  for (const kv of f.slice(4)) {
    const eq = kv.indexOf("=");
    if (eq > 0) fields.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const seg = Number(fields.get("seg"));
  if (!Number.isSafeInteger(seg) || seg < 0 || !/^[0-9a-f]{32}$/.test(fields.get("nonce") ?? "")) {
    return null;
  }
  return { time: f[1], boot: f[2], reason: f[3], fields, seg, chain, prefix: b.subarray(0, p) };
}

interface Run {
  summary: RunSummary;
  k0: Uint8Array | null;
  /** K(seg), null without a key */
  key: Uint8Array | null;
  /** the segment the next record should close */
  seg: number;
  /** C(seg-1), null when not known (picked up mid-run) */
  prev: Uint8Array | null;
  mac: SegmentMac | null;
}

interface Pending {
  lines: number;
  bytes: number;
  file: string;
  line: number;
  lastFile: string;
  lastLine: number;
}

/** The streaming verifier of one host's lines. */
export class ChainVerifier {
  readonly breaks: ChainBreak[] = [];
  readonly runs: RunSummary[] = [];
  readonly counts: VerifyCounts = { verified: 0, broken: 0, unverifiable: 0 };
  #keys: Map<string, Uint8Array>;
  #run: Run | null = null;
  #pending: Pending | null = null;
  #file = "";
  #prevFile = "";
  /** a file boundary was crossed since the last record */
  #crossed = false;
  /** the previous file ended right after a record (no data after it): its reason */
  #prevFileEnd: string | null = null;
  #lastReason = "";
  #lastWasRecord = false;
  /** the last run's final chain value, for the next run's prev_chain */
  #lastChain: string | null = null;

  constructor(options: VerifyOptions) {
    this.#keys = options.keys;
  }

  /** The lines that follow come from `file`. */
  startFile(file: string): void {
    if (this.#file) {
      this.#prevFile = this.#file;
      this.#crossed = true;
      this.#prevFileEnd = this.#lastWasRecord ? this.#lastReason : null;
    }
    this.#file = file;
    this.#lastWasRecord = false;
  }

  /** One line, its LF included (a torn last line has none), numbered from 1 in its file. */
  line(b: Uint8Array, no: number): void {
    const rec = b[0] === 0x53 && b[1] === 0x31 ? parseSeal(b) : null;
    if (rec) this.record(rec, no);
    else this.data(b, 1, no);
  }

  /** `lines` data lines (no chained record among them), starting at line `first`. */
  data(b: Uint8Array, lines: number, first: number): void {
    if (b.length === 0) return;
    this.#run?.mac?.update(b);
    const last = first + Math.max(lines, 1) - 1;
    if (!this.#pending) {
      this.#pending = {
        lines: 0,
        bytes: 0,
        file: this.#file,
        line: first,
        lastFile: this.#file,
        lastLine: last,
      };
    }
    const p = this.#pending;
    p.lines += lines;
    p.bytes += b.length;
    p.lastFile = this.#file;
    p.lastLine = last;
    this.#lastWasRecord = false;
  }

  /** A chained S1 record at line `no`. */
  record(rec: SealRecord, no: number): void {
    const nonce = rec.fields.get("nonce")!;
    const run = this.#run;
    if (rec.reason === "open" || !run || run.summary.nonce !== nonce) {
      this.#newRun(rec, no, nonce);
    } else {
      this.#sameRun(run, rec, no);
    }
    const r = this.#run!;
    r.summary.lastSeg = rec.seg;
    r.summary.endNs = rec.time;
    r.summary.end = rec.reason;
    this.#pending = null;
    this.#crossed = false;
    this.#lastWasRecord = true;
    this.#lastReason = rec.reason;
  }

  /** Ends the input; returns the result. */
  finish(): VerifyResult {
    this.#closeRun();
    return {
      ok: this.breaks.length === 0,
      breaks: this.breaks,
      runs: this.runs,
      counts: this.counts,
    };
  }

  #break(kind: BreakKind, file: string, line: number, detail: string): void {
    this.breaks.push({ file, line, kind, detail });
    if (UNVERIFIABLE.has(kind)) this.counts.unverifiable++;
    else this.counts.broken++;
  }

  /** Where the current stretch of data starts, else the record itself. */
  #at(no: number): { file: string; line: number; range: string } {
    const p = this.#pending;
    if (!p) return { file: this.#file, line: no, range: `line ${no}` };
    const end = `${this.#file === p.file ? "" : `${this.#file}:`}${no}`;
    return { file: p.file, line: p.line, range: `lines ${p.line}-${end}` };
  }

  /** Data left after the last record of a run (or before the first) cannot be checked. */
  #closeRun(): void {
    const p = this.#pending;
    const run = this.#run;
    if (p && p.lines > 0) {
      const range = `lines ${p.line}-${p.lastFile === p.file ? "" : `${p.lastFile}:`}${p.lastLine}`;
      if (run) {
        this.#break(
          "unverifiable-tail",
          p.file,
          p.line,
          `${range} (${p.lines} lines) come after the last chain record of run ${
            short(run.summary.nonce)
          } (cut short, killed collector, or still being written)`,
        );
      } else {
        this.#break(
          "unverifiable-head",
          p.file,
          p.line,
          `${range} (${p.lines} lines) come before the first chain record`,
        );
      }
    }
    this.#pending = null;
    if (run) {
      run.mac?.wipe();
      run.mac = null;
      if (run.prev) this.#lastChain = toHex(run.prev);
    }
  }

  #newRun(rec: SealRecord, no: number, nonce: string): void {
    const had = this.#run;
    const at = this.#at(no);
    this.#closeRun();
    const k0 = this.#keys.get(nonce) ?? null;
    const summary: RunSummary = {
      nonce,
      host: rec.fields.get("host") ?? "",
      boot: rec.boot,
      file: this.#file,
      line: no,
      firstSeg: rec.seg,
      lastSeg: rec.seg,
      startNs: rec.time,
      endNs: rec.time,
      end: rec.reason,
      verified: 0,
      keyed: k0 !== null,
    };
    this.runs.push(summary);
    const run: Run = { summary, k0, key: null, seg: rec.seg, prev: null, mac: null };
    this.#run = run;
    if (!k0) {
      this.#break(
        "no-key",
        this.#file,
        no,
        `no escrowed key for run ${nonce}: its chain cannot be checked`,
      );
    } else {
      const id = rec.fields.get("key_id");
      if (id !== undefined && id !== keyId(k0)) {
        this.#break(
          "no-key",
          this.#file,
          no,
          `run ${nonce} names key ${id}, the escrowed key is ${keyId(k0)}`,
        );
        run.k0 = null;
        summary.keyed = false;
      }
    }
    if (rec.reason === "open") {
      const pc = rec.fields.get("prev_chain");
      if (had && pc && pc !== "-" && this.#lastChain !== null && pc !== this.#lastChain) {
        this.#break(
          "run-link",
          this.#file,
          no,
          `run ${short(nonce)} starts after chain ${short(pc)}, the previous run seen ended with ${
            short(this.#lastChain)
          }: its end (lines, a file, or a whole run) is missing`,
        );
      }
      if (rec.seg !== 0) {
        this.#break(
          "reordered",
          this.#file,
          no,
          `open record of run ${short(nonce)} says segment ${rec.seg}`,
        );
      }
      this.#begin(run, rec.seg, ZERO_CHAIN);
      this.#check(run, rec, no, null);
      return;
    }
    // picked up mid-run
    if (had) {
      this.#break(
        this.#crossed ? "file-missing" : "lines-missing",
        at.file,
        at.line,
        `run ${short(nonce)} goes on at segment ${rec.seg} (line ${no}${
          at.file === this.#file ? "" : ` of ${this.#file}`
        }) without its open: segments 0-${rec.seg - 1} are not in these files`,
      );
    }
    const pc = rec.reason === "reopen" ? fromHex(rec.fields.get("prev_chain") ?? "") : null;
    if (pc) {
      this.#begin(run, rec.seg, pc);
      this.#check(run, rec, no, null);
    } else {
      this.counts.unverifiable++;
      this.#advance(run, rec);
    }
  }

  #sameRun(run: Run, rec: SealRecord, no: number): void {
    const s = rec.seg;
    const e = run.seg;
    const nonce = short(run.summary.nonce);
    if (s < e) {
      const at = this.#at(no);
      this.#break(
        "reordered",
        at.file,
        at.line,
        `segment ${s} of run ${nonce} (line ${no}) comes after segment ${
          e - 1
        }: files or lines swapped`,
      );
      this.#resync(run, rec);
      return;
    }
    if (s > e) {
      const at = this.#at(no);
      const missing = s - 1 === e ? `segment ${e}` : `segments ${e}-${s - 1}`;
      if (this.#crossed) {
        const cut = this.#prevFileEnd !== "close";
        this.#break(
          "file-missing",
          at.file,
          at.line,
          `${missing} of run ${nonce} missing between ${this.#prevFile} and ${this.#file}` +
            (cut ? ` (${this.#prevFile} does not end with its close record: cut short?)` : ""),
        );
      } else {
        this.#break(
          "lines-missing",
          at.file,
          at.line,
          `${missing} of run ${nonce} missing before line ${no}: their chain records are gone`,
        );
      }
      this.#resync(run, rec);
      return;
    }
    const pc = rec.reason === "reopen" ? rec.fields.get("prev_chain") : undefined;
    this.#check(run, rec, no, pc !== undefined && run.prev && pc !== toHex(run.prev) ? pc : null);
  }

  /** Starts checking at segment `seg` after chain `prev`. */
  #begin(run: Run, seg: number, prev: Uint8Array): void {
    run.seg = seg;
    run.prev = prev.slice();
    run.key = run.k0 ? keyAt(run.k0, seg) : null;
    run.mac = run.key ? new SegmentMac(run.key, run.prev) : null;
    // data already pending belongs to the previous stretch
  }

  /** Checks the record against the MAC of its segment, then moves on. */
  #check(run: Run, rec: SealRecord, no: number, badPrev: string | null): void {
    if (!run.mac) {
      this.counts.unverifiable++;
      this.#advance(run, rec);
      return;
    }
    const got = run.mac.peek(rec.prefix);
    const at = this.#at(no);
    if (equal(got, rec.chain) && badPrev === null) {
      this.counts.verified++;
      run.summary.verified++;
    } else if (badPrev !== null) {
      this.#break(
        "edited",
        this.#file,
        no,
        `reopen record of segment ${rec.seg} names previous chain ${
          short(badPrev)
        }, the chain was ${short(toHex(run.prev!))}`,
      );
    } else {
      const want = Number(rec.fields.get("seg_lines"));
      const have = this.#pending?.lines ?? 0;
      const where = `${at.range}, segment ${rec.seg} of run ${short(run.summary.nonce)}`;
      if (Number.isSafeInteger(want) && have < want) {
        this.#break(
          "lines-missing",
          at.file,
          at.line,
          `${where}: ${want - have} of ${want} lines missing`,
        );
      } else if (Number.isSafeInteger(want) && have > want) {
        this.#break(
          "edited",
          at.file,
          at.line,
          `${where}: ${have - want} lines more than were written`,
        );
      } else {
        this.#break(
          "edited",
          at.file,
          at.line,
          `${where}: content does not match its chain record at line ${no}`,
        );
      }
    }
    this.#advance(run, rec);
  }

  /** After record `rec`: the next segment, chained to its recorded value. */
  #advance(run: Run, rec: SealRecord): void {
    run.mac?.wipe();
    run.prev = rec.chain.slice();
    run.seg = rec.seg + 1;
    if (run.key && run.seg > 0) {
      const k = nextKey(run.key);
      run.key.fill(0);
      run.key = k;
    } else if (run.k0) run.key = keyAt(run.k0, run.seg);
    run.mac = run.key ? new SegmentMac(run.key, run.prev) : null;
  }

  /** Jumps to the record's segment (after a gap or a swap) and goes on from it. */
  #resync(run: Run, rec: SealRecord): void {
    run.mac?.wipe();
    run.key = run.k0 ? keyAt(run.k0, rec.seg) : null;
    this.counts.unverifiable++;
    this.#advance(run, rec);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function short(hex: string): string {
  return hex.length > 16 ? hex.slice(0, 16) : hex;
}

/**
 * Feeds one file to a verifier: data lines in bulk, chained records one by
 * one. Throws the file's read error (corrupt gzip) after the good lines.
 */
export async function feedFile(v: ChainVerifier, path: string, name = path): Promise<number> {
  return feedStream(v, await openStream(path), name);
}

/** {@link feedFile} over a stream of a file's (uncompressed) bytes; returns its lines. */
export async function feedStream(
  v: ChainVerifier,
  stream: ReadableStream<Uint8Array>,
  name: string,
): Promise<number> {
  v.startFile(name);
  let no = 0;
  let carry: Uint8Array | null = null;
  // a line longer than a chunk: its pieces wait here until its LF (one join per line: linear)
  let pieces: Uint8Array[] = [];
  for await (const chunk0 of stream) {
    let chunk = chunk0;
    if (carry && chunk.indexOf(0x0a) < 0) {
      pieces.push(chunk);
      continue;
    }
    if (carry) {
      chunk = concatBytes([carry, ...pieces, chunk]);
      carry = null;
      pieces = [];
    }
    let start = 0; // start of the current line
    let runStart = 0; // start of the data lines not yet fed
    let runLines = 0;
    let runFirst = no + 1;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      no++;
      if (chunk[start] === 0x53 && chunk[start + 1] === 0x31 && chunk[start + 2] === 0x09) {
        const rec = parseSeal(chunk.subarray(start, nl + 1));
        if (rec) {
          if (runLines) v.data(chunk.subarray(runStart, start), runLines, runFirst);
          v.record(rec, no);
          runStart = nl + 1;
          runLines = 0;
          runFirst = no + 1;
          start = nl + 1;
          continue;
        }
      }
      runLines++;
      start = nl + 1;
    }
    if (runLines) v.data(chunk.subarray(runStart, start), runLines, runFirst);
    if (start < chunk.length) carry = chunk.slice(start);
  }
  if (carry) v.data(concatBytes([carry, ...pieces]), 1, ++no); // a last line without LF
  return no;
}

/** Verifies consecutive files of one host, oldest first. */
export async function verifyFiles(paths: string[], options: VerifyOptions): Promise<VerifyResult> {
  const v = new ChainVerifier(options);
  for (const p of paths) {
    try {
      await feedFile(v, p);
    } catch (e) {
      v.breaks.push({
        file: p,
        line: 0,
        kind: "edited",
        detail: `cannot read: ${(e as Error).message}`,
      });
      v.counts.broken++;
    }
  }
  return v.finish();
}
