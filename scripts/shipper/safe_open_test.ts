import assert from "node:assert/strict";
import { closeFd, dirProblem, FdReader, openTrusted, UnsafePathError } from "./safe_open.ts";

const NOBODY = 65534;

async function inTemp(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openTrusted() refuses symlinks, FIFOs, devices, foreign owners and group/other write", async () => {
  await inTemp(async (dir) => {
    await Deno.writeTextFile(`${dir}/ok`, "x\n");
    await Deno.writeTextFile(`${dir}/theirs`, "x\n");
    await Deno.chown(`${dir}/theirs`, NOBODY, NOBODY);
    await Deno.writeTextFile(`${dir}/open`, "x\n");
    await Deno.chmod(`${dir}/open`, 0o666);
    await Deno.writeTextFile(`${dir}/group`, "x\n");
    await Deno.chmod(`${dir}/group`, 0o660);
    await Deno.symlink(`${dir}/ok`, `${dir}/link`);
    for (const args of [["mkfifo", `${dir}/fifo`], ["mknod", `${dir}/dev`, "c", "1", "3"]]) {
      const out = await new Deno.Command(args[0], { args: args.slice(1) }).output();
      assert.equal(out.code, 0, args.join(" "));
    }
    const why = (n: string) => {
      try {
        closeFd(openTrusted(`${dir}/${n}`, n).fd);
        return "trusted";
      } catch (e) {
        assert.ok(e instanceof UnsafePathError, String(e));
        return e.message;
      }
    };
    assert.equal(why("ok"), "trusted");
    assert.equal(why("theirs"), `"theirs" is owned by uid ${NOBODY}, not 0`);
    assert.equal(why("open"), `"open" is writable by group or others (mode 666)`);
    assert.equal(why("group"), `"group" is writable by group or others (mode 660)`);
    assert.equal(why("link"), `"link" is a symlink`);
    assert.equal(why("fifo"), `"fifo" is a FIFO`);
    assert.equal(why("dev"), `"dev" is a device`);
  });
});

Deno.test("FdReader reads the file checked and only its bytes then, whatever the name becomes", async () => {
  await inTemp(async (dir) => {
    const path = `${dir}/f`;
    await Deno.writeTextFile(path, "line 1\nline 2\n");
    const o = openTrusted(path, "f");
    try {
      assert.equal(o.size, 14);
      // the file grows, then the name is swapped for a file of someone else's choosing
      await Deno.writeTextFile(path, "line 3\n", { append: true });
      await Deno.writeTextFile(`${dir}/evil`, "evil\n".repeat(10));
      await Deno.rename(`${dir}/evil`, path);
      const r = new FdReader(o.fd, 0, o.size, "f");
      const got: number[] = [];
      const buf = new Uint8Array(4);
      for (let n; (n = await r.read(buf)) !== null;) got.push(...buf.subarray(0, n));
      assert.equal(new TextDecoder().decode(new Uint8Array(got)), "line 1\nline 2\n");
      // a range from an offset
      const tail = new FdReader(o.fd, 7, 21, "f");
      const b = new Uint8Array(64);
      const n = (await tail.read(b))!;
      assert.equal(new TextDecoder().decode(b.subarray(0, n)), "line 2\nline 3\n");
    } finally {
      closeFd(o.fd);
    }
    // a file that shrinks under the reader is an error, not a short piece
    await Deno.writeTextFile(`${dir}/g`, "line 1\nline 2\n");
    const g = openTrusted(`${dir}/g`, "g");
    try {
      await Deno.truncate(`${dir}/g`, 3);
      const r = new FdReader(g.fd, 0, g.size, "g");
      assert.equal(await r.read(new Uint8Array(64)), 3);
      await assert.rejects(
        r.read(new Uint8Array(64)),
        /"g" shrank while being read \(3 of 14 bytes\)/,
      );
    } finally {
      closeFd(g.fd);
    }
  });
});

Deno.test("dirProblem() trusts only our own directories, sticky ones unless told not to", async () => {
  await inTemp(async (dir) => {
    const mk = async (n: string, mode: number, uid = 0) => {
      await Deno.mkdir(`${dir}/${n}`);
      await Deno.chmod(`${dir}/${n}`, mode);
      await Deno.chown(`${dir}/${n}`, uid, uid);
      return `${dir}/${n}`;
    };
    assert.equal(dirProblem(await mk("ok", 0o755), "d"), undefined);
    const theirs = await mk("theirs", 0o755, NOBODY);
    assert.equal(dirProblem(theirs, "d"), `d "${theirs}" is owned by uid ${NOBODY}, not 0`);
    const open = await mk("open", 0o777);
    assert.equal(
      dirProblem(open, "d"),
      `d "${open}" is writable by group or others and not sticky (mode 777)`,
    );
    const group = await mk("group", 0o775);
    assert.match(
      dirProblem(group, "d")!,
      /writable by group or others and not sticky \(mode 775\)/,
    );
    const sticky = await mk("sticky", 0o1777);
    assert.equal(dirProblem(sticky, "d"), undefined);
    assert.equal(
      dirProblem(sticky, "d", 0, { sticky: false }),
      `d "${sticky}" is writable by group or others (mode 1777)`,
    );
    await Deno.symlink(`${dir}/ok`, `${dir}/link`);
    assert.equal(dirProblem(`${dir}/link`, "d"), `d "${dir}/link" is a symlink`);
    await Deno.writeTextFile(`${dir}/file`, "");
    assert.equal(dirProblem(`${dir}/file`, "d"), `d "${dir}/file" is not a regular file`);
  });
});
