/**
 * A {@link ReportInput} for tests of the report: a plausible day (coverage
 * with every verdict, events per hour, Sigma matches with lineage, novelty
 * findings, a rule inventory, counters, notes) where host strings are
 * hostile: markup (`<script>`, `</td>`, quotes, an `<img>` whose URL points
 * at a local server the test runs), a `</script>` meant to end the JSON
 * data block, ANSI escapes, invalid UTF-8 (U+DC80.. per text_bytes.ts),
 * bidi overrides and a 10 KiB argv. Deterministic for given options.
 *
 * @module
 */

import type { ReportInput, Row } from "../../jobs/report/mod.ts";
import { bytesToText } from "../../scripts/lib/text_bytes.ts";
import { prng } from "./synth_log.ts";

/** Options of {@link reportFixture}. */
export interface ReportFixtureOptions {
  /** port of the local HTTP server the hostile URLs point at. @default 9 */
  port?: number;
  /** rows of sigma_matches (the hostile ones first). @default 40 */
  sigmaMatches?: number;
  /** hosts (coverage, activity), the hostile host name included. @default 12 */
  hosts?: number;
  /** @default "2026-11-27" */
  day?: string;
  /** the input's `dropped`. @default none */
  dropped?: Record<string, number>;
}

/** The hostile strings, by name (each a whole host string of some row). */
export function hostileStrings(port = 9): Record<string, string> {
  const url = (p: string) => `http://127.0.0.1:${port}/${p}`;
  const pwn = (how: string) => `document.body.setAttribute('data-pwned','${how}')`;
  return {
    script: `<script>${pwn("script")}</script>`,
    closeTd: `</td></tr></tbody></table><b id="injected-td">td</b>`,
    quotes: `"'><b id="injected-quote" title='x`,
    img: `<img id="injected-img" src=${url("img")} onerror="${pwn("img")}">`,
    iframe: `<iframe id="injected-iframe" src="${url("iframe")}"></iframe>`,
    link: `<link id="injected-link" rel="stylesheet" href="${url("css")}">`,
    svg: `<svg><image id="injected-svg" href="${url("svg")}"/><script>${pwn("svg")}</script></svg>`,
    style: `<style>@import url("${url("import")}");body{background:url(${url("bg")})}</style>`,
    closeScript: `</script><script>${pwn("json")}</script><!--`,
    ansi: "\x1b[31mRED\x1b[0m\x1b]0;owned\x07 \x1b[2J done",
    invalidUtf8: "/tmp/" + bytesToText(Uint8Array.of(0xc3, 0x28, 0xff, 0x80, 0x41)) + "/run",
    bidi: "/usr/bin/cat \u202etxt.exe\u202c",
    literalEscape: "printf '\\x1b[0m'",
    entity: "&lt;script&gt; &amp; &#60;",
  };
}

/** A 10 KiB argv joined (ends with a hostile `<img>`). */
export function longCommandLine(port = 9): string {
  return "bash -c " + "A".repeat(10 * 1024) + " " + hostileStrings(port).img;
}

/** The hostile host name of the fixture. */
export function hostileHost(port = 9): string {
  return `web-66"><img id="injected-host" src=http://127.0.0.1:${port}/host>`;
}

const RULES: { id: string; title: string; level: string; tags: string[] }[] = [
  {
    id: "c1f0b8a2-0001",
    title: "Pipe to shell from curl",
    level: "critical",
    tags: ["attack.execution", "attack.t1059.004"],
  },
  {
    id: "c1f0b8a2-0002",
    title: "Base64 payload decoded and run",
    level: "high",
    tags: ["attack.defense_evasion", "attack.t1140"],
  },
  {
    id: "c1f0b8a2-0003",
    title: "Netcat reverse shell",
    level: "high",
    tags: ["attack.command_and_control"],
  },
  {
    id: "c1f0b8a2-0004",
    title: "Binary run from /tmp",
    level: "medium",
    tags: ["attack.execution"],
  },
  { id: "c1f0b8a2-0005", title: `Rule "titled" <with> 'markup'`, level: "medium", tags: [] },
  {
    id: "c1f0b8a2-0006",
    title: "Crontab edited",
    level: "low",
    tags: ["attack.persistence", "attack.t1053.003"],
  },
  {
    id: "c1f0b8a2-0007",
    title: "System information discovery",
    level: "informational",
    tags: ["attack.discovery"],
  },
  {
    id: "c1f0b8a2-0008",
    title: "Shell history cleared",
    level: "high",
    tags: ["attack.defense_evasion"],
  },
];

const IMAGES = [
  "/usr/bin/curl",
  "/usr/bin/base64",
  "/usr/bin/nc",
  "/tmp/.x/agent",
  "/usr/bin/bash",
  "/usr/bin/crontab",
  "/usr/bin/uname",
  "/usr/bin/python3",
];
const PARENTS = [
  "/usr/sbin/nginx",
  "/usr/bin/bash",
  "/usr/sbin/sshd",
  "/usr/sbin/cron",
  "/usr/bin/sudo",
];
const USERS = ["root", "www-data", "deploy", "alice"];
const VERDICT_CYCLE = [
  "complete",
  "complete",
  "gappy",
  "complete",
  "lossy",
  "complete",
  "silent",
  "complete",
  "tampered",
  "missing",
  "complete",
  "complete",
];

/** The fixture's host names (the hostile one is the second). */
export function fixtureHosts(n: number, port = 9): string[] {
  return Array.from(
    { length: n },
    (_, i) => i === 1 ? hostileHost(port) : `host-${String(i + 1).padStart(3, "0")}`,
  );
}

/** The report input. */
export function reportFixture(o: ReportFixtureOptions = {}): ReportInput {
  const port = o.port ?? 9;
  const day = o.day ?? "2026-11-27";
  const nHosts = Math.max(2, o.hosts ?? 12);
  const nMatches = o.sigmaMatches ?? 40;
  const rnd = prng(12);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const dayNs = BigInt(Date.parse(day + "T00:00:00Z")) * 1_000_000n;
  const hostile = hostileStrings(port);
  const hostileList = [...Object.values(hostile), longCommandLine(port)];
  const hosts = fixtureHosts(nHosts, port);
  const boot = (h: number) => (h * 2654435761 >>> 0).toString(16).padStart(8, "0").repeat(4);
  const execIdOf = (h: number, pid: number, x: number) =>
    `${boot(h)}-${1_000_000 + pid * 7}-${pid}-${x}`;

  // coverage + activity
  const coverage: Row[] = [];
  const activity: Row[] = [];
  hosts.forEach((host, h) => {
    const verdict = VERDICT_CYCLE[h % VERDICT_CYCLE.length];
    const reporting = verdict !== "missing" && verdict !== "silent";
    const silences = verdict === "gappy"
      ? "12:00-24:00"
      : verdict === "silent"
      ? "00:00-24:00"
      : "";
    const lastHour = verdict === "gappy" ? 12 : 24;
    let exec = 0;
    if (reporting) {
      for (let hr = 0; hr < lastHour; hr++) {
        const events = 200 + Math.floor(rnd() * 800) + (hr >= 8 && hr < 18 ? 1500 : 0);
        const failed = Math.floor(events * 0.05);
        exec += events;
        activity.push({
          host,
          hour: String(dayNs + BigInt(hr) * 3_600_000_000_000n),
          events,
          failed,
        });
      }
    }
    const lossy = verdict === "lossy";
    coverage.push({
      host,
      day,
      verdict,
      reason: verdict === "complete"
        ? null
        : h === 2
        ? `silent 12:00-24:00; ${hostile.closeTd}`
        : `${verdict}: see the counters ${hostile.ansi}`,
      in_inventory: true,
      reporting,
      last_seen: reporting ? day : "2026-11-25",
      records: reporting ? exec + 30 : 0,
      exec_records: reporting ? exec : 0,
      first_event: reporting ? String(dayNs + 12_000_000_000n) : null,
      last_event: reporting
        ? String(dayNs + BigInt(lastHour) * 3_600_000_000_000n - 5_000_000_000n)
        : null,
      rb_lost: lossy ? 1200 + h : 0,
      enter_lost: 0,
      queue_lost: 0,
      write_lost: 0,
      disk_dropped: 0,
      crash_lost: lossy ? 17 : 0,
      e2_lost: lossy ? 1200 + h : 0,
      seq_gaps: lossy ? 3 : 0,
      torn_lines: h % 5 === 0 ? 1 : 0,
      malformed_lines: 0,
      lines_too_long: 0,
      unknown_versions: 0,
      unknown_kinds: 0,
      corrupt_files: 0,
      silent_spans: silences ? 1 : 0,
      longest_silence_s: silences === "12:00-24:00" ? 43_200 : silences ? 86_400 : 300,
      silences,
      chain_broken: verdict === "tampered" ? 2 : 0,
    });
  });

  // sigma matches (hostile ones first: critical, earliest)
  const sigma: Row[] = [];
  const lineage: Row[] = [];
  for (let i = 0; i < nMatches; i++) {
    const h = i < hostileList.length ? i % 2 : Math.floor(rnd() * nHosts);
    const host = hosts[h];
    const isHostile = i < hostileList.length;
    const rule = isHostile ? RULES[0] : pick(RULES);
    const pid = 1000 + ((i * 37) % 60000);
    const t = dayNs +
      BigInt(isHostile ? i * 1_000_000_000 : Math.floor(rnd() * 86_000) * 1_000_000_000);
    const image = isHostile ? (i % 3 === 0 ? hostile.invalidUtf8 : "/usr/bin/bash") : pick(IMAGES);
    const depth = 1 + Math.floor(rnd() * 4);
    const ancestors = Array.from(
      { length: depth },
      (_, d) => (isHostile && d === 0 ? hostile.bidi : pick(PARENTS)),
    );
    const ancestorIds = ancestors.map((_, d) => execIdOf(h, pid - 1 - d, d));
    const cmd = isHostile
      ? hostileList[i]
      : `${image} -${"abcdefgh"[i % 8]} ${Math.floor(rnd() * 1e9).toString(36)} http://10.0.${
        i % 250
      }.${i % 200}/p${i}`;
    sigma.push({
      rule_id: rule.id,
      title: rule.title,
      level: rule.level,
      status: "experimental",
      tags: rule.tags,
      author: isHostile ? hostile.quotes : "syscall-audit",
      host,
      time: String(t),
      exec_id: execIdOf(h, pid, 1),
      pid,
      user: isHostile ? hostileList[(i + 3) % hostileList.length].slice(0, 120) : pick(USERS),
      image,
      command_line: cmd,
      current_directory: isHostile ? hostile.ansi : "/var/www",
      parent_exec_id: ancestorIds[0],
      parent_image: ancestors[0],
      parent_command_line: isHostile ? hostile.closeScript : `${ancestors[0]} -c worker`,
      ancestors,
      ancestor_exec_ids: ancestorIds,
      chain_end: i % 7 === 0 ? "root" : "not_in_data",
      failed: false,
    });
    if (isHostile) {
      ancestors.forEach((a, d) =>
        lineage.push({
          finding_exec_id: execIdOf(h, pid, 1),
          host,
          depth: d + 1,
          exec_id: ancestorIds[d],
          image: a,
          command_line: `${a} ${hostile.script}`,
        })
      );
    }
  }

  // novelty: the hostile host's /tmp binary is new in the fleet, other images new on hosts
  const novelty: Row[] = [];
  const seen = new Set<string>();
  for (const m of sigma) {
    const k = `${m.host}\0${m.image}`;
    if (seen.has(k) || novelty.length >= Math.max(20, nMatches / 10)) continue;
    seen.add(k);
    const fleet = String(m.image).startsWith("/tmp/");
    novelty.push({
      kind: "image",
      finding: fleet ? "first_in_fleet" : novelty.length % 3 === 0 ? "rare" : "first_on_host",
      host: m.host,
      key: String(m.image).replace(/\/tmp\/[^/]+/, "/tmp/<random>"),
      image: m.image,
      parent_image: m.parent_image,
      user: m.user,
      first_seen: fleet ? day : "2026-10-30",
      first_seen_on_host: day,
      hosts_today: fleet ? 1 : 2,
      hosts_seen: fleet ? 1 : 40,
      days_seen: fleet ? 1 : 12,
      execs_today: 3,
      example_exec_id: m.exec_id,
      example_time: m.time,
      example_command_line: m.command_line,
      ancestors: m.ancestors,
      building: false,
    });
  }

  // the rule inventory: the rules above, and files not evaluated with reasons
  const sigmaRules: Row[] = RULES.map((r) => ({
    rule_id: r.id,
    title: r.title,
    level: r.level,
    status: "experimental",
    file: `project/${r.id}.yml`,
    category: "process_creation",
    evaluated: true,
    reason: null,
    matches: sigma.filter((m) => m.rule_id === r.id).length,
  }));
  const reasons = [
    `logsource product "windows" is not linux`,
    `category "file_access" has no data`,
    `field "Hashes" not in process_creation`,
    `modifier "expand" not supported`,
    `YAML: unexpected token ${hostile.script} at line 3`,
    "correlation rule",
  ];
  for (let i = 0; i < 10; i++) {
    sigmaRules.push({
      rule_id: `0000-not-${i}`,
      title: i === 4 ? hostile.iframe : `Not evaluated ${i}`,
      level: i % 2 ? "high" : "medium",
      status: "test",
      file: i === 4 ? `rules/${hostile.invalidUtf8}.yml` : `rules-linux/file_${i}.yml`,
      category: i === 1 ? "file_access" : "process_creation",
      evaluated: false,
      reason: reasons[i % reasons.length],
      matches: 0,
    });
  }
  return {
    day,
    tables: { coverage, activity, sigma_matches: sigma, sigma_rules: sigmaRules, novelty, lineage },
    ...(o.dropped ? { dropped: o.dropped } : {}),
    counters: [
      ["sigma/rules_evaluated", RULES.length],
      ["sigma/rules_not_evaluated", 10],
      ["sigma/matches", nMatches],
      ["coverage/hosts", nHosts],
      [`weird/${hostile.link}`, 1],
    ],
    notes: [
      "side/novelty.baseline_missing: the first day builds the baseline",
      `note ${hostile.style}`,
    ],
  };
}
