import assert from "node:assert/strict";
import { readRuleFiles } from "./load.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "sigma_load_" });
  for (const [path, text] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
  return root;
}

Deno.test("readRuleFiles() reads *.yml and *.yaml recursively, sorted by path", async () => {
  const root = await tree({
    "b.yml": "b",
    "a/z.yaml": "z",
    "a/c.YML": "c",
    "a/readme.md": "no",
    "notes.txt": "no",
    "deep/er/x.yml": "x",
  });
  try {
    const files = await readRuleFiles([root]);
    assert.deepStrictEqual(files, [
      { file: "a/c.YML", text: "c" },
      { file: "a/z.yaml", text: "z" },
      { file: "b.yml", text: "b" },
      { file: "deep/er/x.yml", text: "x" },
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("readRuleFiles() does not follow symbolic links, and says so", async () => {
  const root = await tree({ "real/r.yml": "r" });
  const outside = await tree({ "secret.yml": "outside", "d/s.yml": "outside too" });
  try {
    await Deno.symlink(`${outside}/secret.yml`, `${root}/link.yml`);
    await Deno.symlink(`${outside}/d`, `${root}/linkdir`);
    const skipped: string[] = [];
    const files = await readRuleFiles([root], { onSkip: (p, why) => skipped.push(`${p}: ${why}`) });
    assert.deepStrictEqual(files, [{ file: "real/r.yml", text: "r" }]);
    assert.deepStrictEqual(skipped.sort(), [
      `${root}/link.yml: symbolic link not followed`,
      `${root}/linkdir: symbolic link not followed`,
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("readRuleFiles() prefixes the directory index only with several directories", async () => {
  const one = await tree({ "x.yml": "1" });
  const two = await tree({ "x.yml": "2" });
  try {
    assert.deepStrictEqual(await readRuleFiles([one]), [{ file: "x.yml", text: "1" }]);
    assert.deepStrictEqual(await readRuleFiles([one, `${two}/`]), [
      { file: "0:x.yml", text: "1" },
      { file: "1:x.yml", text: "2" },
    ]);
  } finally {
    await Deno.remove(one, { recursive: true });
    await Deno.remove(two, { recursive: true });
  }
});

Deno.test("readRuleFiles() names a missing directory", async () => {
  await assert.rejects(
    () => readRuleFiles(["/nonexistent/sigma-rules"]),
    /^Error: sigma rules directory \/nonexistent\/sigma-rules: /,
  );
  const root = await tree({ "f.yml": "x" });
  try {
    await assert.rejects(
      () => readRuleFiles([`${root}/f.yml`]),
      new Error(`sigma rules directory ${root}/f.yml is not a directory`),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
