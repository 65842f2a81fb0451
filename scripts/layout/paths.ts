/**
 * The paths of the shipper's layout (docs/hdfs-layout.md), in HDFS or a
 * local copy of it: who writes a path builds it here, who reads one parses it
 * here.
 *
 *   <root>/dt=<day>/host=<H>/<stem>.<stamp>.<piece>.log.gz
 *   <root>/dt=<day>/host=<H>/<stem>.<stamp>.<piece>.conflict-<hash>.log.gz
 *   <root>/_keys/host=<H>/<nonce>.key
 *   <root>/_staging/host=<H>/...
 *
 * @module
 */

import { isoFromNs } from "../logformat/mod.ts";
import { hostOfDir } from "./host.ts";

/** The directory of escrowed first keys, under the root. */
export const KEYS_DIR = "_keys";
/** The shipper's staging directory, under the root. */
export const STAGING_DIR = "_staging";

/** true for a name readers skip: `_` (the shipper's own: keys, staging) or `.` (hidden, partial). */
export function isHidden(name: string): boolean {
  return name.startsWith("_") || name.startsWith(".");
}

/** `<root>` without trailing slashes, then `parts` joined by "/". */
function under(root: string, ...parts: string[]): string {
  return [root.replace(/\/+$/, ""), ...parts].join("/");
}

/** `<root>/dt=<day>`. */
export function dayDir(root: string, day: string): string {
  return under(root, `dt=${day}`);
}

/** `<root>/dt=<day>/host=<hostDir>` (hostDir: sanitizeHost() of the name). */
export function hostDayDir(root: string, day: string, hostDir: string): string {
  return under(root, `dt=${day}`, `host=${hostDir}`);
}

/** `<root>/_staging/host=<hostDir>`: the shipper's temporary names (readers skip them). */
export function stagingDir(root: string, hostDir: string): string {
  return under(root, STAGING_DIR, `host=${hostDir}`);
}

/** `<root>/_keys/host=<hostDir>`. */
export function keysDir(root: string, hostDir: string): string {
  return under(root, KEYS_DIR, `host=${hostDir}`);
}

/** `<root>/_keys` (every host's escrow files). */
export function keysRoot(root: string): string {
  return under(root, KEYS_DIR);
}

/** The name of a run's escrow file: `<nonce>.key`. */
export function keyFileName(nonce: string): string {
  return `${nonce}.key`;
}

/** The name of a piece: `<stem>.<stamp>.<index>.log.gz`. */
export function pieceName(stem: string, firstStamp: string, index: number): string {
  return `${stem}.${firstStamp}.${index}.log.gz`;
}

/**
 * The name a piece is shipped under when its own name already holds other
 * bytes: `<stem>.<stamp>.<index>.conflict-<first 16 hex of its raw SHA-256>.log.gz`.
 */
export function conflictName(name: string, rawSha256: string): string {
  return name.replace(/\.log\.gz$/, `.conflict-${rawSha256.slice(0, 16)}.log.gz`);
}

/** "20261127T062501.123456789Z" from a line's first bytes, or from a time in ms. */
export function stampOf(firstLine: Uint8Array | undefined, fallbackMs: number): string {
  let ns = `${fallbackMs}000000`;
  if (firstLine) {
    const f = new TextDecoder().decode(firstLine.subarray(0, 64)).split("\t");
    if (/^[A-Z]\d+$/.test(f[0]) && /^\d{10,20}$/.test(f[1] ?? "")) ns = f[1];
    else if (/^\d{1,11}$/.test(f[0])) ns = f[0] + "000000000";
  }
  return isoFromNs(ns).replace(/[-:]/g, "");
}

/** A piece's path in the layout, parsed. */
export interface LayoutPath {
  /** "2026-11-27" (from `dt=`) */
  day: string;
  /** the host's name (the `host=` value decoded) */
  host: string;
  /** the `host=` value as it stands in the path (percent-encoded) */
  hostDir: string;
  /** the file name */
  file: string;
  /** the log's stem ("syscall_audit") */
  stem: string;
  /** the time of the source file's first record, "20261127T062501.123456789Z" */
  stamp: string;
  /** the piece index within the source file */
  piece: number;
  /** a conflict copy's hash (16 hex digits), absent for the piece itself */
  conflict?: string;
}

const DAY = /^dt=(\d{4}-\d{2}-\d{2})$/;
// what sanitizeHost() writes: [a-z0-9._-] and %HH (uppercase hex)
const HOST = /^host=((?:[a-z0-9._-]|%[0-9A-F]{2})+)$/;
const PIECE = /^(.+)\.(\d{8}T\d{6}\.\d{9}Z)\.(0|[1-9]\d*)(?:\.conflict-([0-9a-f]{16}))?\.log\.gz$/;

/**
 * Parses `dt=D/host=H/<piece name>` (relative to the root); null for any
 * other path, hidden names (`_keys/...`, `_staging/...`, `.x`) included.
 */
export function parseLayoutPath(relativePath: string): LayoutPath | null {
  const parts = relativePath.replace(/^\/+/, "").split("/");
  if (parts.length !== 3 || parts.some(isHidden)) return null;
  const d = DAY.exec(parts[0]);
  const h = HOST.exec(parts[1]);
  const p = PIECE.exec(parts[2]);
  if (!d || !h || !p) return null;
  let host: string;
  try {
    host = hostOfDir(h[1]);
  } catch {
    return null; // a "%" not followed by an encoded byte
  }
  const out: LayoutPath = {
    day: d[1],
    host,
    hostDir: h[1],
    file: parts[2],
    stem: p[1],
    stamp: p[2],
    piece: Number(p[3]),
  };
  if (p[4]) out.conflict = p[4];
  return out;
}
