/**
 * A realistic synthetic day of a fleet, written in the shipper's layout
 * (docs/hdfs-layout.md: `<root>/dt=D/host=H/<stem>.<first time>.0.log.gz`): a few hundred hosts of
 * different roles and activity, parents and children, users, rare and
 * suspicious tools, hostile argv, and (with `faults`) the bad input real
 * fleets produce: a torn line, a record of a future format version, an
 * empty file, a truncated gzip file.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { hostDayDir, pieceName, sanitizeHost, stampOf } from "../../scripts/layout/mod.ts";
import { prng, synthLines } from "./synth_log.ts";
import {
  ATTACK_HOST_ROLE,
  attackLines,
  lossLines,
  LOSSY_HOST_ROLE,
  SILENT_HOST_ROLE,
} from "./attack_day.ts";

/** Options of {@link generateDay}. */
export interface GenDayOptions {
  /** layout root (a local directory) */
  root: string;
  /** "2026-11-27" */
  day: string;
  /** hosts. @default 300 */
  hosts?: number;
  /** mean events per host (busy hosts have more). @default 2000 */
  eventsPerHost?: number;
  /** @default 1 */
  seed?: number;
  /** add bad input (torn line, future version, empty file, truncated gzip). @default true */
  faults?: boolean;
  /**
   * add the demo's story (attack_day.ts): an attack chain on the first web host, the second db
   * host silent from noon, ring-buffer loss on the first cache host. @default false
   */
  scenario?: boolean;
}

/** What was written. */
export interface GenDayResult {
  files: number;
  hosts: number;
  /** exec and stats records written (good lines) */
  records: number;
  rawBytes: number;
  gzBytes: number;
}

const ROLES = ["web", "api", "db", "batch", "build", "cache", "bastion"] as const;

/** Host names: role-NNN.dc.example.com, plus one hostile name. */
export function hostNames(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`${ROLES[i % ROLES.length]}-${String(i).padStart(3, "0")}.dc${i % 3}.example.com`);
  }
  if (n > 1) out[n - 1] = "evil/../host\t<b>1";
  return out;
}

/** Writes the day; returns counts. */
export async function generateDay(o: GenDayOptions): Promise<GenDayResult> {
  const hosts = hostNames(o.hosts ?? 300);
  const mean = o.eventsPerHost ?? 2000;
  const r = prng(o.seed ?? 1);
  const dayStart = BigInt(Date.parse(`${o.day}T00:00:00Z`)) * 1_000_000n;
  const dayEnd = dayStart + 86_400_000_000_000n;
  const enc = new TextEncoder();
  const res: GenDayResult = { files: 0, hosts: hosts.length, records: 0, rawBytes: 0, gzBytes: 0 };
  for (let h = 0; h < hosts.length; h++) {
    const dir = hostDayDir(o.root, o.day, sanitizeHost(hosts[h]));
    await Deno.mkdir(dir, { recursive: true });
    // activity varies 0.25x .. 4x; bastions and build hosts run more odd tools
    const count = Math.max(10, Math.round(mean * 2 ** (r() * 4 - 2)));
    const role = hosts[h].split("-")[0];
    const lines: string[] = [];
    for (
      const l of synthLines({
        startNs: String(dayStart + BigInt(Math.floor(r() * 600)) * 1_000_000_000n),
        count,
        meanGapMs: 86_400_000 / count,
        seed: (o.seed ?? 1) * 100_003 + h,
        suspiciousShare: role === "bastion" || role === "build" ? 0.08 : 0.01,
        hostileShare: 0.005,
      })
    ) {
      const ns = BigInt(l.slice(3, l.indexOf("\t", 3)));
      if (ns >= dayEnd) break;
      lines.push(l);
    }
    if (o.scenario) addScenario(lines, hosts, h, dayStart);
    res.records += lines.length;
    if (o.faults !== false && h === 1 && lines.length > 4) {
      // a crash left a torn line (closed by the collector), and a newer collector wrote E9
      lines.splice(2, 0, lines[2].slice(0, 50));
      lines.splice(4, 0, `E9\t${lines[4].split("\t")[1]}\tfrom-the-future\t.`);
    }
    const raw = enc.encode(lines.join("\n") + (lines.length ? "\n" : ""));
    const name = pieceName(
      "syscall_audit",
      stampOf(enc.encode(lines[0] ?? ""), Date.parse(o.day)),
      0,
    );
    let gz: Uint8Array = gzipSync(raw, { level: 1 });
    if (o.faults !== false && h === 2) gz = gz.subarray(0, gz.length >> 1); // truncated
    await Deno.writeFile(`${dir}/${name}`, gz);
    res.files++;
    res.rawBytes += raw.length;
    res.gzBytes += gz.length;
    if (o.faults !== false && h === 3) {
      await Deno.writeFile(
        `${dir}/${pieceName("syscall_audit", "20000101T000000.000000000Z", 1)}`,
        gzipSync(new Uint8Array(0)),
      );
      res.files++;
    }
  }
  return res;
}

const timeOf = (line: string) => {
  const a = line.indexOf("\t") + 1;
  return BigInt(line.slice(a, line.indexOf("\t", a)));
};

/** The story's changes to host `h`'s lines (attack_day.ts), in place, time order kept. */
function addScenario(lines: string[], hosts: string[], h: number, dayStart: bigint): void {
  const first = (role: string, nth = 0) =>
    hosts.map((n, i) => [n, i] as const).filter(([n]) => n.startsWith(`${role}-`))[nth]?.[1];
  let extra: string[] = [];
  if (h === first(ATTACK_HOST_ROLE)) extra = attackLines(dayStart);
  else if (h === first(LOSSY_HOST_ROLE)) {
    extra = lossLines(dayStart, lines[0]?.split("\t")[2] ?? "0".repeat(32));
  } else if (h === first(SILENT_HOST_ROLE, 1)) {
    const noon = dayStart + 43_200_000_000_000n;
    const keep = lines.filter((l) => timeOf(l) < noon);
    lines.length = 0;
    lines.push(...keep);
    return;
  }
  if (!extra.length) return;
  const merged = [...lines, ...extra].map((l, i) => [timeOf(l), i, l] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])).map(([, , l]) => l);
  lines.length = 0;
  lines.push(...merged);
}
