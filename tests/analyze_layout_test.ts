/**
 * The Spark driver reads the layout of docs/hdfs-layout.md as
 * scripts/layout does: its constants, and a real `--list-only` run over a
 * layout with every kind of name (hidden, staging, keys, conflict copies,
 * hostile host names) giving exactly the files parseLayoutPath() accepts.
 */

import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { build, findSparkHome } from "../scripts/analyze/run.ts";
import {
  conflictName,
  hostDayDir,
  KEYS_DIR,
  keysDir,
  parseLayoutPath,
  pieceName,
  sanitizeHost,
  stagingDir,
} from "../scripts/layout/mod.ts";

const java = Deno.readTextFileSync(new URL("../jobs/spark/AuditJobDriver.java", import.meta.url));
const constant = (n: string) => new RegExp(`static final String ${n} = "([^"]*)";`).exec(java)?.[1];

Deno.test("AuditJobDriver's layout constants are scripts/layout's", () => {
  const p = parseLayoutPath(
    `dt=2026-11-27/host=${sanitizeHost("a")}/${pieceName("s", "20261127T000000.000000000Z", 0)}`,
  );
  assert.ok(p);
  assert.equal(constant("DAY_DIR"), "dt=");
  assert.equal(constant("HOST_DIR"), "host=");
  assert.equal(constant("KEYS_DIR"), KEYS_DIR);
  assert.ok(conflictName("x.0.log.gz", "ab".repeat(32)).includes(constant("CONFLICT")!));
});

Deno.test("AuditJobDriver --list-only lists exactly the pieces parseLayoutPath() accepts", async () => {
  const root = await Deno.makeTempDir({ prefix: "layout-" });
  try {
    const day = "2026-11-27";
    const gz = (t: string) => gzipSync(new TextEncoder().encode(t));
    const hosts = ["web-1.example.com", "evil/../h\t<b>%2F+x", "UPPER.Case"];
    const wanted: string[] = [];
    for (const [i, h] of hosts.entries()) {
      const dir = hostDayDir(root, day, sanitizeHost(h));
      await Deno.mkdir(dir, { recursive: true });
      for (const piece of [0, 1]) {
        const name = pieceName("syscall_audit", `20261127T0${i}0000.000000000Z`, piece);
        await Deno.writeFile(`${dir}/${name}`, gz(`line ${h} ${piece}\n`));
      }
      // a conflict copy with other bytes (kept, flagged) and one with the same bytes (read once)
      const first = pieceName("syscall_audit", `20261127T0${i}0000.000000000Z`, 0);
      await Deno.writeFile(`${dir}/${conflictName(first, "cd".repeat(32))}`, gz("other bytes\n"));
      await Deno.copyFile(`${dir}/${first}`, `${dir}/${conflictName(first, "ef".repeat(32))}`);
      // what readers skip
      await Deno.writeFile(`${dir}/.hidden.log.gz`, gz("x\n"));
      await Deno.writeFile(`${dir}/_partial.log.gz`, gz("x\n"));
      await Deno.mkdir(stagingDir(root, sanitizeHost(h)), { recursive: true });
      await Deno.writeFile(`${stagingDir(root, sanitizeHost(h))}/u.tmp`, gz("x\n"));
      await Deno.mkdir(keysDir(root, sanitizeHost(h)), { recursive: true });
      await Deno.writeTextFile(`${keysDir(root, sanitizeHost(h))}/n${i}.key`, "{}");
    }
    for await (const hd of Deno.readDir(`${root}/dt=${day}`)) {
      for await (const f of Deno.readDir(`${root}/dt=${day}/${hd.name}`)) {
        const p = parseLayoutPath(`dt=${day}/${hd.name}/${f.name}`);
        if (p && !f.name.includes("conflict-ef")) {
          wanted.push(JSON.stringify([p.host, p.file, p.conflict ? "conflict" : "-"]));
        }
      }
    }
    const home = await findSparkHome();
    const { jar } = await build(home);
    const out = await new Deno.Command(`${home}/bin/spark-submit`, {
      args: [
        "--master",
        "local[1]",
        "--class",
        "AuditJobDriver",
        "--conf",
        "spark.ui.enabled=false",
        jar,
        "--input",
        root,
        "--day",
        day,
        "--list-only",
      ],
      env: { SPARK_HOME: home },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const line = new TextDecoder().decode(out.stdout).split("\n").find((l) =>
      l.startsWith("SYSCALL_AUDIT_LISTING ")
    );
    assert.ok(line, new TextDecoder().decode(out.stderr).slice(-800));
    const listing = JSON.parse(line.slice("SYSCALL_AUDIT_LISTING ".length));
    const got = (listing.files as { host: string; file: string; conflict?: string }[])
      .map((f) => JSON.stringify([f.host, f.file, f.conflict ? "conflict" : "-"])).sort();
    assert.deepStrictEqual(
      got,
      wanted.map((w) => w.replace(/\t[0-9a-f]{16}$/, "\tconflict")).sort(),
    );
    assert.equal(listing.duplicates, hosts.length);
    assert.deepStrictEqual(
      [...new Set(got.map((g) => JSON.parse(g)[0]))].sort(),
      [...hosts].map((h) => h.toLowerCase()).sort(),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
