/**
 * Novelty context of an exec: which novelty findings (first seen on the
 * host, first in the fleet, rare) concern its image, its (parent image,
 * image) pair and its (image, user) pair on its host.
 *
 * @module
 */

import { int, plural } from "../format.ts";
import { NOVELTY_FINDINGS, type NoveltyRow, rank } from "../model.ts";

/** Names of the kinds on the page. */
export const KIND_LABELS: Record<string, string> = {
  image: "image",
  parent_image: "parent → image",
  image_user: "image + user",
};
/** Names of the findings on the page. */
export const FINDING_LABELS: Record<string, string> = {
  first_in_fleet: "new in fleet",
  first_on_host: "new on host",
  rare: "rare",
};

const key = (host: string | null, kind: string, a: string | null, b: string | null = null) =>
  JSON.stringify([host, kind, a, b]);

function rowKey(r: NoveltyRow): string | null {
  switch (r.kind) {
    case "image":
      return key(r.host, "image", r.image ?? r.key);
    case "parent_image":
      return key(r.host, "parent_image", r.parentImage, r.image);
    case "image_user":
      return key(r.host, "image_user", r.image, r.user);
  }
  return null;
}

/** What an exec is looked up by. */
export interface ExecFacts {
  host: string | null;
  image: string | null;
  parentImage: string | null;
  user: string | null;
}

/** The novelty findings of an exec, most notable first. */
export type NoveltyLookup = (e: ExecFacts) => NoveltyRow[];

/** An index of the novelty rows by host and what is new. */
export function noveltyIndex(rows: readonly NoveltyRow[]): NoveltyLookup {
  const by = new Map<string, NoveltyRow[]>();
  for (const r of rows) {
    const k = rowKey(r);
    if (k === null) continue;
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  return (e) =>
    [
      ...by.get(key(e.host, "image", e.image)) ?? [],
      ...by.get(key(e.host, "parent_image", e.parentImage, e.image)) ?? [],
      ...by.get(key(e.host, "image_user", e.image, e.user)) ?? [],
    ].sort((a, b) => rank(NOVELTY_FINDINGS, a.finding) - rank(NOVELTY_FINDINGS, b.finding));
}

/** "image new in fleet; parent → image new on host" (null: no finding). */
export function noveltyShort(found: readonly NoveltyRow[]): string | null {
  if (found.length === 0) return null;
  const parts = found.map((r) =>
    `${KIND_LABELS[r.kind ?? ""] ?? r.kind} ${FINDING_LABELS[r.finding ?? ""] ?? r.finding}`
  );
  return [...new Set(parts)].join("; ");
}

/** One sentence per finding, with counts and dates. */
export function noveltyLong(r: NoveltyRow): string {
  const what = KIND_LABELS[r.kind ?? ""] ?? r.kind ?? "?";
  const f = r.finding === "first_in_fleet"
    ? "first seen in the fleet today"
    : r.finding === "first_on_host"
    ? "first seen on this host today"
    : r.finding === "rare"
    ? "rare in the fleet"
    : r.finding ?? "?";
  const facts = [
    r.firstSeen ? `fleet first seen ${r.firstSeen}` : null,
    r.firstSeenOnHost ? `on this host ${r.firstSeenOnHost}` : null,
    r.hostsToday !== null ? `${plural(r.hostsToday, "host")} today` : null,
    r.hostsSeen !== null ? `${plural(r.hostsSeen, "host")} in the baseline` : null,
    r.daysSeen !== null ? `seen on ${plural(r.daysSeen, "day")}` : null,
    r.execsToday !== null ? `${int(r.execsToday)} execs today` : null,
  ].filter((x) => x !== null);
  return `${what} ${r.key ?? r.image ?? ""}: ${f}${facts.length ? ` (${facts.join(", ")})` : ""}${
    r.building ? " (the baseline is still building)" : ""
  }`;
}
