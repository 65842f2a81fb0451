import assert from "node:assert/strict";
import { decodePack, encodePack, readDirsParam, readParamFile } from "./param_files.ts";

Deno.test("readDirsParam() reads a tree sorted, skips symlinks and other names, prefixes several dirs", () => {
  const a = Deno.makeTempDirSync(), b = Deno.makeTempDirSync();
  Deno.mkdirSync(`${a}/sub`);
  Deno.writeTextFileSync(`${a}/z.yml`, "z");
  Deno.writeTextFileSync(`${a}/sub/a.yaml`, "a");
  Deno.writeTextFileSync(`${a}/notes.txt`, "no");
  Deno.writeTextFileSync(`${b}/b.yml`, "b");
  Deno.symlinkSync(`${b}/b.yml`, `${a}/link.yml`);
  assert.deepEqual(readDirsParam("sigma", "rules", a, [".yml", ".yaml"]), [
    { file: "sub/a.yaml", text: "a" },
    { file: "z.yml", text: "z" },
  ]);
  assert.deepEqual(
    readDirsParam("sigma", "rules", `${a},${b}`, [".yml"]).map((f) => f.file),
    ["0:z.yml", "1:b.yml"],
  );
});

Deno.test("readDirsParam() reads a pack file as the files packed", () => {
  const files = [{ file: "x.yml", text: "title: x\n\ttab" }];
  const p = Deno.makeTempFileSync();
  Deno.writeTextFileSync(p, encodePack(files));
  assert.deepEqual(readDirsParam("sigma", "rules", p, [".yml"]), files);
  assert.equal(decodePack("title: x"), null);
});

Deno.test("readDirsParam() names the parameter and path it cannot read", () => {
  assert.throws(
    () => readDirsParam("sigma", "rules", "/nonexistent/rules", [".yml"]),
    /^RangeError: sigma\.rules: cannot read "\/nonexistent\/rules": /,
  );
  const f = Deno.makeTempFileSync();
  assert.throws(() => readDirsParam("sigma", "rules", f, [".yml"]), /is a file, not a directory/);
  assert.throws(
    () => readParamFile("coverage", "inventory", "/nonexistent"),
    /coverage\.inventory/,
  );
});
