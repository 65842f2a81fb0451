/**
 * The novelty job's map side: one host's distinct keys of the day, read in
 * time order in one map task. Three kinds: `image` (the program),
 * `parent_image` (the parent's program, then the program) and `image_user`
 * (the program, then the user running it), each normalised
 * (normalise.ts), with the exec count and the first example (exec id,
 * time, command line cut at {@link MAX_EXAMPLE_COMMAND_LINE}, the
 * ancestors' images from the map side's {@link HostIndex}).
 *
 * A parent not in the index (exec'd before the day, or evicted) is named
 * by {@link parentMarker} from the record's `pcomm`; a process without a
 * parent (ppid 0) by {@link NO_PARENT}. Version 0 records (the seed's) have
 * no exec ids and no uid: their parent is the marker and they have no
 * `image_user` key.
 *
 * @module
 */

import type { Json } from "../job.ts";
import { commandLine, type ExecRecord } from "../events.ts";
import { HostIndex } from "../process/host_index.ts";
import { userName, type UserNames } from "../process/users.ts";
import { ancestorChain, nodeOf } from "../lineage/chain.ts";
import { execId, parentExecId } from "../../scripts/logformat/mod.ts";
import { normalisePath } from "./normalise.ts";

/** The kinds of keys, in the order findings are listed. */
export const KINDS = ["image", "parent_image", "image_user"] as const;
export type Kind = (typeof KINDS)[number];

/** The longest example command line kept (UTF-16 code units). */
export const MAX_EXAMPLE_COMMAND_LINE = 1024;
/** Ancestors listed at most in an example. */
export const MAX_ANCESTORS = 16;
/** Normalised paths remembered per task (the cache empties when full). */
export const NORMALISE_CACHE = 100_000;
/** The parent of a process without one (ppid 0). */
export const NO_PARENT = "[no parent]";

/** The parent's name when its exec is not in the data. */
export function parentMarker(pcomm: string): string {
  return `[not in data: pcomm ${pcomm}]`;
}

/** The first exec of a key on a host (raw, not normalised). */
export interface Example {
  [k: string]: Json;
  /** null for version 0 records */
  exec_id: string | null;
  time_ns: string;
  image: string;
  /** the parent's image, or {@link parentMarker} / {@link NO_PARENT} */
  parent_image: string;
  /** user name, or uid as text; null when unknown (version 0) */
  user: string | null;
  command_line: string;
  command_line_cut: boolean;
  /** images, parent first */
  ancestors: string[];
  /** why the ancestors stop (jobs/lineage/chain.ts ChainEnd) */
  chain_end: string;
}

/** One key of a host's day. */
export interface HostEntry {
  kind: Kind;
  /** normalised image */
  image: string;
  /** normalised parent image (parent_image), user (image_user); null for image */
  other: string | null;
  /** execs of the key */
  n: number;
  ex: Example;
}

/** The text shown for a key. */
export function keyText(kind: Kind, image: string, other: string | null): string {
  if (kind === "parent_image") return `${other} -> ${image}`;
  if (kind === "image_user") return `${image} as ${other}`;
  return image;
}

/** True when ns time `a` is earlier than `b` (decimal strings). */
export function earlier(a: string, b: string): boolean {
  return a.length < b.length || (a.length === b.length && a < b);
}

function capped(s: string, max: number): [string, boolean] {
  if (s.length <= max) return [s, false];
  let n = max;
  const c = s.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--; // never split a surrogate pair
  return [s.slice(0, n), true];
}

/** Options of {@link HostKeys}. */
export interface HostKeysOptions {
  /** uid -> name. @default none: users are uids as text */
  users?: UserNames;
  /** nodes the host index holds. @default DEFAULT_INDEX_CAP of host_index.ts */
  indexCap?: number;
}

/** The current host's keys of the day (one map task's current host). */
export class HostKeys {
  readonly #index: HostIndex;
  readonly #users?: UserNames;
  #entries = new Map<string, HostEntry>();
  #norm = new Map<string, string>();
  /** successful execs whose parent was not in the index (v1 and later) */
  parentsNotInData = 0;
  /** execs added */
  execs = 0;

  constructor(o: HostKeysOptions = {}) {
    this.#index = new HostIndex({ cap: o.indexCap });
    this.#users = o.users;
  }

  /** The host whose keys are held (null before the first). */
  get host(): string | null {
    return this.#index.host;
  }

  /** Nodes the index dropped to make room. */
  get evicted(): number {
    return this.#index.evicted;
  }

  /** Makes `host` current: a different host empties the index and the keys. */
  enter(host: string): void {
    if (host === this.#index.host) return;
    this.#index.enter(host);
    this.#entries.clear();
  }

  #normalised(path: string): string {
    let n = this.#norm.get(path);
    if (n === undefined) {
      if (this.#norm.size >= NORMALISE_CACHE) this.#norm.clear();
      n = normalisePath(path);
      this.#norm.set(path, n);
    }
    return n;
  }

  /** Adds a successful exec of the current host (failed ones are ignored). */
  add(r: ExecRecord): void {
    if (r.ret < 0) return;
    this.execs++;
    const v1 = r.version >= 1;
    const node = v1 ? nodeOf(r, "") : null;
    const image = node ? node.image! : r.filename;
    let parentImage: string, parentKey: string;
    let parentId: string | null = null;
    if (v1 && r.ppid === 0) parentImage = parentKey = NO_PARENT;
    else {
      parentId = v1 ? parentExecId(r) : null;
      const p = parentId === null ? undefined : this.#index.get(parentId);
      if (p?.image) {
        parentImage = p.image;
        parentKey = this.#normalised(p.image);
      } else {
        if (v1) this.parentsNotInData++;
        parentImage = parentMarker(r.pcomm);
        parentKey = parentMarker(this.#normalised(r.pcomm));
      }
    }
    const user = v1 ? userName(r.uid, this.#users) : null;
    const img = this.#normalised(image);
    let ex: Example | null = null;
    const example = (): Example => {
      if (ex) return ex;
      const [cl, cut] = capped(commandLine(r.argv), MAX_EXAMPLE_COMMAND_LINE);
      let ancestors: string[] = [];
      let end = "root"; // no parent
      if (parentImage !== NO_PARENT && parentId === null) {
        [ancestors, end] = [[parentImage], "not_in_data"]; // version 0
      } else if (parentId !== null) {
        const chain = ancestorChain(this.#index, parentId, MAX_ANCESTORS - 1);
        ancestors = chain.nodes.length ? chain.nodes.map((n) => n.image ?? "") : [parentImage];
        end = chain.end;
      }
      ex = {
        exec_id: v1 ? execId(r) : null,
        time_ns: r.time_ns,
        image,
        parent_image: parentImage,
        user,
        command_line: cl,
        command_line_cut: cut,
        ancestors,
        chain_end: end,
      };
      return ex;
    };
    this.#count("image", img, null, r.time_ns, example);
    this.#count("parent_image", img, parentKey, r.time_ns, example);
    if (user !== null) this.#count("image_user", img, user, r.time_ns, example);
    if (node) this.#index.add(node);
  }

  #count(kind: Kind, image: string, other: string | null, t: string, example: () => Example) {
    const k = other === null ? `${kind}\0${image}` : `${kind}\0${image}\0${other}`;
    const e = this.#entries.get(k);
    if (!e) this.#entries.set(k, { kind, image, other, n: 1, ex: example() });
    else {
      e.n++;
      if (earlier(t, e.ex.time_ns)) e.ex = example(); // a clock step back: the earliest wins
    }
  }

  /** The current host's keys so far; they are forgotten (the index is kept). */
  drain(): HostEntry[] {
    const out = [...this.#entries.values()];
    this.#entries.clear();
    return out;
  }
}
