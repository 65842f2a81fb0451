import assert from "node:assert/strict";
import * as P from "./protocol.ts";

const java = Deno.readTextFileSync(new URL("../spark/AuditJobDriver.java", import.meta.url));

/** The Java string constant `name` of the driver, unescaped. */
function javaConst(name: string): string {
  const m = new RegExp(`static final String ${name} = "((?:[^"\\\\]|\\\\.)*)";`).exec(java);
  assert.ok(m, `AuditJobDriver.java has no constant ${name}`);
  return m[1].replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\t/g, "\t").replace(/\\\\/g, "\\");
}

Deno.test("protocol markers are the Java driver's", () => {
  assert.equal(javaConst("FILE"), P.FILE);
  assert.equal(javaConst("LONG"), P.LONG);
  assert.equal(javaConst("END"), P.END);
  assert.equal(javaConst("KEY"), P.KEY);
  assert.equal(javaConst("SIDE"), P.SIDE);
  assert.equal(javaConst("COUNTERS"), P.COUNTERS_PREFIX);
  // the driver builds K/R prefixes as "K" + step + ":" and "R" + table + "\t"
  assert.match(java, /"K" \+ s \+ ":"/);
  assert.match(java, /"R" \+ name \+ "\\t"/);
  assert.equal(P.KV, "K");
  assert.equal(P.ROW, "R");
  assert.equal(javaConst("REPORT_ROW"), P.REPORT_ROW);
  assert.equal(javaConst("REPORT_DROPPED"), P.REPORT_DROPPED);
  assert.equal(javaConst("REPORT_COUNTERS"), P.REPORT_COUNTERS);
  assert.equal(javaConst("REPORT_NOTE"), P.REPORT_NOTE);
});

Deno.test("parseShuffleKey() reads what shuffleKey() writes, with colons in the key", () => {
  const k = P.shuffleKey(3, "lineage", JSON.stringify(["a:b", 1]));
  assert.deepStrictEqual(P.parseShuffleKey(k), {
    step: 3,
    job: "lineage",
    keyJson: '["a:b",1]',
  });
  assert.equal(P.parseShuffleKey("x:job:1"), null);
  assert.equal(P.parseShuffleKey("nocolon"), null);
});
