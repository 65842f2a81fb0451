/**
 * The novelty job's tables: the findings (`novelty`) and the baseline
 * (`novelty_state`), and the names of the state's special rows.
 *
 * @module
 */

import type { Table } from "../job.ts";
import { KINDS, MAX_EXAMPLE_COMMAND_LINE } from "./host_keys.ts";

export const NOVELTY = "novelty";
export const NOVELTY_STATE = "novelty_state";
/** State rows that are not keys: the fleet's baseline, a host's own. */
export const BASELINE_KIND = "baseline";
export const HOST_KIND = "host";

/** The columns of `novelty_state` the next day reads (all of them). */
export const STATE_COLUMNS = [
  "kind",
  "host",
  "image",
  "parent_image",
  "user",
  "first_seen",
  "last_seen",
  "days",
] as const;

export const NOVELTY_STATE_TABLE: Table = {
  name: NOVELTY_STATE,
  description: "the novelty baseline: one row per (kind, host, key) seen in the window, " +
    "one per host, one for the baseline",
  clusterBy: ["kind", "image"],
  columns: [
    {
      name: "kind",
      type: "string",
      description: `${KINDS.join(", ")}; ${HOST_KIND} (a host's own baseline), ` +
        `${BASELINE_KIND} (the fleet's: first_seen is its start)`,
    },
    { name: "host", type: "string", description: "host; null for the baseline row" },
    { name: "image", type: "string", description: "normalised program path; null: host, baseline" },
    {
      name: "parent_image",
      type: "string",
      description: "normalised parent program (parent_image)",
    },
    { name: "user", type: "string", description: "user name or uid as text (image_user)" },
    {
      name: "first_seen",
      type: "string",
      description: "first day seen (YYYY-MM-DD), kept while the row lasts; host, baseline: start",
    },
    { name: "last_seen", type: "string", description: "last day seen (the baseline row: its day)" },
    {
      name: "days",
      type: "long",
      description: "bit i: seen on last_seen minus i days, within the window",
    },
  ],
};

const str = (name: string, description: string) => ({ name, type: "string" as const, description });
const long = (name: string, description: string) => ({ name, type: "long" as const, description });

export const NOVELTY_TABLE: Table = {
  name: NOVELTY,
  description:
    "first seen on a host, first seen in the fleet, rare: per (kind, host, key) of the day",
  csv: true,
  clusterBy: ["host"],
  columns: [
    str("kind", KINDS.join(", ")),
    str("finding", "first_in_fleet > first_on_host > rare (the first that holds)"),
    str("host", "host that ran it today"),
    str("key", "the normalised key (image; parent -> image; image as user)"),
    str("image", "the example's program, as recorded"),
    str("parent_image", "the example's parent program, or [not in data: pcomm X], [no parent]"),
    str("user", "the example's user name (uid as text without a passwd entry)"),
    str("first_seen", "first day seen in the fleet (YYYY-MM-DD; today when new)"),
    str("first_seen_on_host", "first day seen on the host"),
    long("hosts_today", "hosts that ran it today"),
    long("hosts_seen", "hosts that ran it in the window (the days before today)"),
    long("days_seen", "days of the window any host ran it"),
    long("days_seen_on_host", "days of the window this host ran it"),
    long("execs_today", "execs of it on the host today"),
    { name: "rare", type: "boolean", description: "hosts_today < novelty.max_hosts" },
    str("example_exec_id", "the host's first exec of it today (null for version 0 records)"),
    { name: "example_time", type: "timestamp", description: "its time" },
    str(
      "example_command_line",
      `its command line (argv joined by spaces), at most ${MAX_EXAMPLE_COMMAND_LINE} characters`,
    ),
    { name: "example_command_line_cut", type: "boolean", description: "the command line is cut" },
    {
      name: "ancestors",
      type: "array<string>",
      description: "its ancestors' images, parent first",
    },
    str("chain_end", "why the ancestors stop: not_in_data, root, max_depth, cycle"),
    {
      name: "building",
      type: "boolean",
      description: "true only on the status row while the baseline builds (no findings then)",
    },
  ],
};
