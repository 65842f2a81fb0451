import assert from "node:assert/strict";
import {
  ARGS_CAP,
  COUNT_UNKNOWN,
  CWD_CAP,
  EV,
  FILENAME_CAP,
  KNOBS,
  KSTATS,
  USTATS,
} from "./event_layout.ts";
import * as L from "./event_layout.ts";

/** Constants whose values must equal the header's #defines of the same name. */
const DEFINES = [
  "EF_ARGV_CALLER",
  "EF_ARGV_FAULT",
  "EF_FILENAME_CUT",
  "EF_CWD",
  "EF_CWD_CUT",
  "EF_NO_ENTER",
  "EF_COMPAT",
  "EF_EXE_CUT",
  "EF_EXE_NONAME",
  "EF_CHROOT",
  "KDEV_MINORBITS",
  "EXE_CAP",
  "KIND_UNKNOWN",
  "KIND_EXECVE",
  "KIND_EXECVEAT",
  "TASK_COMM_LEN",
  "TTY_NAME_LEN",
  "FAILED_ARGS_CAP",
] as const;

const here = new URL(".", import.meta.url).pathname;
const header = new URL("../../bpf/exec.h", import.meta.url).pathname;

/** Compiles a probe with the host C compiler that prints offsetof() of every field. */
async function cOffsets(): Promise<Record<string, number>> {
  const dir = await Deno.makeTempDir();
  try {
    const fields = (struct: string, names: string[]) =>
      names.map((n) => `P("${struct}.${n}", offsetof(struct ${struct}, ${n}));`).join("\n");
    const src = `#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>
#include "${header}"
#define P(n, v) printf("%s %zu\\n", n, (size_t)(v))
int main(void) {
${fields("event", Object.keys(EV).filter((k) => k !== "size"))}
${fields("kstats", Object.keys(KSTATS).filter((k) => k !== "size"))}
${fields("knobs", Object.keys(KNOBS).filter((k) => k !== "size"))}
${fields("ustats", Object.keys(USTATS).filter((k) => k !== "size"))}
P("ustats.size", sizeof(struct ustats));
P("event.size", sizeof(struct event));
P("kstats.size", sizeof(struct kstats));
P("knobs.size", sizeof(struct knobs));
P("FILENAME_CAP", FILENAME_CAP); P("CWD_CAP", CWD_CAP); P("ARGS_CAP", ARGS_CAP);
P("COUNT_UNKNOWN", COUNT_UNKNOWN);
${DEFINES.map((d) => `P("${d}", ${d});`).join("\n")}
return 0; }`;
    await Deno.writeTextFile(`${dir}/probe.c`, src);
    const cc = await new Deno.Command("cc", {
      args: ["-o", `${dir}/probe`, `${dir}/probe.c`],
      cwd: here,
    }).output();
    assert.equal(cc.code, 0, new TextDecoder().decode(cc.stderr));
    const run = await new Deno.Command(`${dir}/probe`).output();
    const out: Record<string, number> = {};
    for (const line of new TextDecoder().decode(run.stdout).trim().split("\n")) {
      const [k, v] = line.split(" ");
      out[k] = Number(v);
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("event layout: every offset and size matches bpf/exec.h", async () => {
  const c = await cOffsets();
  for (const [k, v] of Object.entries(EV)) assert.equal(v, c[`event.${k}`], `event.${k}`);
  for (const [k, v] of Object.entries(KSTATS)) assert.equal(v, c[`kstats.${k}`], `kstats.${k}`);
  for (const [k, v] of Object.entries(KNOBS)) assert.equal(v, c[`knobs.${k}`], `knobs.${k}`);
  for (const [k, v] of Object.entries(USTATS)) assert.equal(v, c[`ustats.${k}`], `ustats.${k}`);
  assert.equal(FILENAME_CAP, c.FILENAME_CAP);
  assert.equal(CWD_CAP, c.CWD_CAP);
  assert.equal(ARGS_CAP, c.ARGS_CAP);
  assert.equal(COUNT_UNKNOWN, c.COUNT_UNKNOWN);
  for (const d of DEFINES) assert.equal(L[d], c[d], d);
});
