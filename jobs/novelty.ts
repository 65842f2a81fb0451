/**
 * The `novelty` job: first-seen and rarity over a rolling baseline of the
 * last `novelty.days` days (default 30), per host and fleet-wide, for three
 * kinds of keys: the program (`image`), the parent's program and the
 * program (`parent_image`), the program and its user (`image_user`), with
 * program paths normalised (jobs/novelty/normalise.ts). Findings (table
 * `novelty`, also CSV): `first_in_fleet` (no host ran it in the window),
 * `first_on_host` (the host did not), `rare` (fewer than
 * `novelty.max_hosts` hosts ran it today). The baseline is the table
 * `novelty_state`, one row per (kind, host, key) seen in the window, updated
 * daily from the day's records and the previous day's state (a side input),
 * never from N days of raw logs. A missing previous state starts a new
 * baseline; its first N days only build it (no findings; one status row
 * says so). docs/novelty.md has the details.
 *
 * Map side: a host's records reach one task in time order; {@link HostKeys}
 * folds its successful execs into distinct keys (parents and ancestors from
 * the map side's host index), emitted when the host changes and at the
 * task's end. Reduce: jobs/novelty/reduce.ts.
 *
 * @module
 */

import type { Job, JobContext, JobSpec, Json, MapOut } from "./job.ts";
import { isExec } from "./events.ts";
import { parsePasswd, type UserNames } from "./process/users.ts";
import { HostKeys, KINDS } from "./novelty/host_keys.ts";
import { dayNumber, MAX_WINDOW_DAYS, parseBits } from "./novelty/days.ts";
import {
  BASELINE_KEY,
  type BaselineValue,
  type KeyValue,
  type NoveltyParams,
  reduceBaseline,
  reduceHost,
  reduceKey,
  type StateValue,
  type TodayValue,
} from "./novelty/reduce.ts";
import {
  BASELINE_KIND,
  HOST_KIND,
  NOVELTY_STATE,
  NOVELTY_STATE_TABLE,
  NOVELTY_TABLE,
  STATE_COLUMNS,
} from "./novelty/tables.ts";

export { NOVELTY_STATE_TABLE, NOVELTY_TABLE, STATE_COLUMNS };

export const DEFAULT_DAYS = 30;
export const DEFAULT_MAX_HOSTS = 3;
/** Hosts' entries packed into one shuffle value at most (combine). */
export const PACK = 1000;

/** Options of {@link novelty}. */
export interface NoveltyOptions {
  /** the window, days (1..62). @default 30 */
  days?: number;
  /** rare: seen today on fewer hosts than this. @default 3 */
  maxHosts?: number;
  /** uid -> name. @default none: users are uids as text */
  users?: UserNames;
  /** nodes the map side's host index holds. @default host_index.ts DEFAULT_INDEX_CAP */
  indexCap?: number;
}

/** Packs values of one key: today's and state entries in values of at most {@link PACK}. */
function pack(values: readonly Json[], emit: (v: Json) => void): void {
  let t: TodayValue[] = [], s: StateValue[] = [];
  const flush = () => {
    if (t.length || s.length) {
      const v: KeyValue = { ...(t.length ? { t } : {}), ...(s.length ? { s } : {}) };
      emit(v as unknown as Json);
    }
    t = [];
    s = [];
  };
  for (const raw of values) {
    const v = raw as KeyValue;
    for (const x of v.t ?? []) if (t.push(x) >= PACK) flush();
    for (const x of v.s ?? []) if (s.push(x) >= PACK) flush();
  }
  flush();
}

/** The job. */
export function novelty(o: NoveltyOptions = {}): Job {
  const p: NoveltyParams = {
    days: o.days ?? DEFAULT_DAYS,
    maxHosts: o.maxHosts ?? DEFAULT_MAX_HOSTS,
  };
  if (!Number.isInteger(p.days) || p.days < 1 || p.days > MAX_WINDOW_DAYS) {
    throw new RangeError(`novelty.days must be 1..${MAX_WINDOW_DAYS}: got ${p.days}`);
  }
  if (!Number.isInteger(p.maxHosts) || p.maxHosts < 1) {
    throw new RangeError(
      `novelty.max_hosts must be a whole number of 1 or more: got ${p.maxHosts}`,
    );
  }
  const keys = new HostKeys({ users: o.users, indexCap: o.indexCap });
  let reported = { execs: 0, parents: 0, evicted: 0 };
  const flush = (out: MapOut, ctx: JobContext) => {
    const host = keys.host;
    if (host === null) return;
    const entries = keys.drain();
    for (const e of entries) {
      const key = e.other === null ? [e.kind, e.image] : [e.kind, e.image, e.other];
      out.emit(key, { t: [{ h: host, n: e.n, ex: e.ex }] } as unknown as Json);
    }
    if (entries.length) out.emit(BASELINE_KEY, { hosts: [host] });
    ctx.counters.inc("novelty", "host_keys", entries.length);
    ctx.counters.inc("novelty", "execs", keys.execs - reported.execs);
    ctx.counters.inc("novelty", "parents_not_in_data", keys.parentsNotInData - reported.parents);
    ctx.counters.inc("novelty", "index_evicted", keys.evicted - reported.evicted);
    reported = { execs: keys.execs, parents: keys.parentsNotInData, evicted: keys.evicted };
  };
  return {
    name: "novelty",
    description: `first seen and rare programs, parents and users over ${p.days} days ` +
      `(rare: fewer than ${p.maxHosts} hosts)`,
    tables: [NOVELTY_TABLE, NOVELTY_STATE_TABLE],
    sideInputs: [{ name: "previous", table: NOVELTY_STATE, daysBack: 1, columns: STATE_COLUMNS }],
    map(r, out, ctx) {
      if (!isExec(r) || r.ret < 0) return; // failed execs are not process creations
      if (keys.host !== r.host) {
        flush(out, ctx);
        keys.enter(r.host);
      }
      keys.add(r);
    },
    side(input, row, out, ctx) {
      if (input !== "previous") return;
      const f = dayNumber(row.first_seen), l = dayNumber(row.last_seen), b = parseBits(row.days);
      const bad = () => ctx.counters.inc("novelty", "bad_previous_rows");
      if (f === null || l === null || b === null) return bad();
      const bits = b.toString();
      const kind = row.kind;
      if (kind === BASELINE_KIND) {
        out.emit(BASELINE_KEY, { prev: { f, l, b: bits } } as BaselineValue as Json);
        return;
      }
      if (typeof row.host !== "string") return bad();
      if (kind === HOST_KIND) {
        out.emit(row.host, { k: "h", f, l, b: bits }, 1);
        return;
      }
      const other = kind === "parent_image"
        ? row.parent_image
        : kind === "image_user"
        ? row.user
        : null;
      if (
        !KINDS.includes(kind as typeof KINDS[number]) || typeof row.image !== "string" ||
        (kind !== "image" && typeof other !== "string")
      ) return bad();
      const key = other === null ? [kind, row.image] : [kind, row.image, other as string];
      const s: StateValue = { h: row.host, f, l, b: bits };
      out.emit(key as Json, { s: [s] } as unknown as Json);
    },
    mapEnd(out, ctx) {
      flush(out, ctx);
    },
    steps: [
      {
        combine(key, values, emit) {
          if (key !== BASELINE_KEY) return pack(values, (v) => emit(key, v));
          const hosts = new Set<string>();
          for (const raw of values) {
            const v = raw as BaselineValue;
            for (const h of v.hosts ?? []) hosts.add(h);
            if (v.prev) emit(key, { prev: v.prev } as BaselineValue as Json);
          }
          if (hosts.size) emit(key, { hosts: [...hosts] });
        },
        reduce(key, values, out, ctx) {
          if (key === BASELINE_KEY) reduceBaseline(values, out, ctx, p);
          else reduceKey(key, values, out, ctx, p);
        },
      },
      { reduce: (key, values, out, ctx) => reduceHost(key as string, values, out, ctx, p) },
    ],
  };
}

/** A whole number parameter, or a RangeError naming it. */
function whole(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new RangeError(`novelty.${name} must be a whole number: got "${v}"`);
  return Number(v);
}

/** The job's spec: `--param novelty.days=30 novelty.max_hosts=3 novelty.passwd=FILE`. */
export const spec: JobSpec = {
  name: "novelty",
  description: "first seen on a host, in the fleet, and rare programs over a rolling baseline " +
    "(tables novelty, novelty_state)",
  params: {
    days: {
      description:
        `the baseline's window in days (1..${MAX_WINDOW_DAYS}); its first days only build it`,
      default: String(DEFAULT_DAYS),
    },
    max_hosts: {
      description: "rare: seen today on fewer hosts than this",
      default: String(DEFAULT_MAX_HOSTS),
    },
    passwd: {
      description: "a passwd snapshot (name:x:uid:...) for user names (default: uids as text)",
      file: true,
    },
  },
  create(params) {
    let users: UserNames | undefined;
    if (params.passwd !== undefined) {
      let text: string;
      try {
        text = Deno.readTextFileSync(params.passwd);
      } catch (e) {
        const cause = (e as Error).message.split("\n")[0];
        throw new RangeError(
          `novelty.passwd: cannot read ${JSON.stringify(params.passwd)}: ${cause}`,
        );
      }
      users = parsePasswd(text, `novelty.passwd ${JSON.stringify(params.passwd)}`);
    }
    return novelty({
      days: whole("days", params.days),
      maxHosts: whole("max_hosts", params.max_hosts),
      users,
    });
  },
};
