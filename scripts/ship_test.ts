import assert from "node:assert/strict";

const ship = new URL("./ship.ts", import.meta.url).pathname;

async function run(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ship, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("ship refuses bad options with exit 64 and one line naming the problem", async () => {
  const state = await Deno.makeTempDir();
  try {
    const cases: [string[], RegExp][] = [
      [["--from", "/tmp"], /^ship: --from and --to are required\n/],
      [["--from", "/tmp", "--to", "hdfs://nn/x"], /^ship: Invalid WebHDFS URL "hdfs:\/\/nn\/x"/],
      [
        ["--from", "/nonexistent", "--to", "webhdfs://127.0.0.1:9870/x", "--state-dir", state],
        /^ship: --from "\/nonexistent" is not a directory\n$/,
      ],
      [
        ["--from", "/tmp", "--to", "webhdfs://a:1/x", "--file-permission", "rw"],
        /^ship: --file-permission must be octal like 640: got "rw"\n$/,
      ],
      [
        ["--from", "/tmp", "--to", "webhdfs://a:1/x", "--splay", "soon"],
        /--splay must be a duration/,
      ],
    ];
    for (const [args, want] of cases) {
      const r = await run(...args);
      assert.equal(r.code, 64, args.join(" "));
      assert.match(r.stderr, want);
    }
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
