/**
 * Program paths with varying parts, normalised so that a deploy tool's
 * random temp dir, a pid or a build hash is not "new" every day
 * (docs/novelty.md lists the rules; each has a unit test). Every varying
 * part becomes `*`; the rest of the path is kept as it is. Purely lexical:
 * no file system is looked at.
 *
 * Everywhere (any component, the program's own name too):
 * - `/proc/<pid>/...` and `/proc/<pid>/task/<tid>/...`: the ids
 * - `.../fd/<n>` under /proc or /dev (fexecve): the descriptor
 * - `/snap/<name>/<revision>/...` (also under /var/lib/snapd/snap): the revision
 * - `.../snapshots/<n>/...` (containerd's overlay snapshots): the snapshot number
 * - `/nix/store/<hash>-<name>`: the hash
 * - mktemp's `tmp.XXXXXXXXXX`, Python's `tmpXXXXXXXX` (8 of [a-z0-9_] with a
 *   digit or `_`), `ansible-tmp-<time>-<pid>-<random>`, `ansible_<module>_payload_<random>`
 * - UUIDs, hex runs of 8 or more with a digit (hashes, container and layer
 *   ids), digit runs of 5 or more (timestamps, pids, build ids); a run counts
 *   only between characters that are not letters or digits (hex), or not
 *   digits (digit runs)
 *
 * Only in the directories under a temp root (`/tmp`, `/var/tmp`, `/dev/shm`,
 * `/run/user/<uid>`), not the program's own name: random-looking names and
 * suffixes (6 or more letters and digits of at least two of lower case,
 * upper case and digits, after `.`, `-` or `_` or the whole name; not a
 * capitalised word, not a word with a 1-2 digit number), a trailing
 * `-<number>`, AppImage's `.mount_<random>`; and Python's `tmpXXXXXXXX`
 * without a digit. A random-named program in /tmp stays itself: new every
 * time, as it should be.
 *
 * @module
 */

const UUID =
  /(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z])/g;
const HEX = /(?<![0-9A-Za-z])[0-9a-fA-F]{8,}(?![0-9A-Za-z])/g;
const DIGITS = /\d{5,}/g;
const MKTEMP = /^tmp\.[A-Za-z0-9]{6,}$/;
const PY_TEMP = /^tmp[a-z0-9_]{8}(?=\.|$)/;
const ANSIBLE_TMP = /^ansible-tmp-[\d.]+-\d+-\d+$/;
const ANSIBLE_PAYLOAD = /^(ansible_.+_payload_)[A-Za-z0-9_]+$/;
const NIX_HASH = /^[0-9a-df-np-sv-z]{32}-/;
const SUFFIX = /^(.*[._-])([A-Za-z0-9]{6,})$/;
const TRAILING_NUMBER = /^(.*[._-])\d+$/;

/** A run of letters and digits that looks random (a mktemp `XXXXXX`), not a word. */
export function looksRandom(s: string): boolean {
  if (s.length < 6 || !/^[A-Za-z0-9]+$/.test(s)) return false;
  const classes = Number(/[a-z]/.test(s)) + Number(/[A-Z]/.test(s)) + Number(/\d/.test(s));
  if (classes < 2) return false;
  if (/^[A-Z][a-z]+$/.test(s)) return false; // "Release"
  return !/^[A-Za-z]+\d{1,2}$/.test(s); // "python3", "ubuntu22"
}

/** Index of the first component under a temp root, or -1 (components of an absolute path). */
function tempStart(c: readonly string[]): number {
  if (c[0] !== "") return -1;
  if (c[1] === "tmp") return 2;
  if ((c[1] === "var" && c[2] === "tmp") || (c[1] === "dev" && c[2] === "shm")) return 3;
  if (c[1] === "run" && c[2] === "user" && /^\d+$/.test(c[3] ?? "")) return 4;
  return -1;
}

/** The rules that hold anywhere, on one component. */
function anywhere(s: string): string {
  if (MKTEMP.test(s)) return "tmp.*";
  if (ANSIBLE_TMP.test(s)) return "ansible-tmp-*";
  s = s.replace(ANSIBLE_PAYLOAD, "$1*");
  const py = PY_TEMP.exec(s);
  if (py && /[\d_]/.test(py[0].slice(3))) s = "tmp*" + s.slice(11);
  return s.replace(UUID, "*")
    .replace(HEX, (m) => (/\d/.test(m) ? "*" : m))
    .replace(DIGITS, "*");
}

/** The rules of a directory under a temp root, after {@link anywhere}. */
function tempDir(s: string): string {
  if (s.startsWith(".mount_")) return ".mount_*";
  if (PY_TEMP.test(s)) return "tmp*" + s.slice(11);
  if (looksRandom(s)) return "*";
  const m = SUFFIX.exec(s);
  if (m && looksRandom(m[2])) return m[1] + "*";
  const n = TRAILING_NUMBER.exec(s);
  return n ? n[1] + "*" : s;
}

/** The normalised form of a program path (or any path-like text, e.g. a command name). */
export function normalisePath(path: string): string {
  const c = path.split("/");
  const abs = c[0] === "";
  if (abs) {
    if (c[1] === "proc" && /^\d+$/.test(c[2] ?? "")) {
      c[2] = "*";
      if (c[3] === "task" && /^\d+$/.test(c[4] ?? "")) c[4] = "*";
    }
    const snapd = c[1] === "var" && c[2] === "lib" && c[3] === "snapd" && c[4] === "snap";
    const snap = c[1] === "snap" ? 3 : snapd ? 6 : -1;
    if (snap > 0 && c.length > snap + 1 && /^x?\d+$/.test(c[snap])) c[snap] = "*";
    if (c[1] === "nix" && c[2] === "store" && NIX_HASH.test(c[3] ?? "")) {
      c[3] = "*" + c[3].slice(32);
    }
  }
  const inFd = abs && (c[1] === "proc" || c[1] === "dev");
  const temp = tempStart(c);
  for (let i = abs ? 1 : 0; i < c.length; i++) {
    const prev = c[i - 1];
    if (inFd && prev === "fd" && /^\d+$/.test(c[i])) {
      c[i] = "*";
      continue;
    }
    if (prev === "snapshots" && /^\d+$/.test(c[i]) && i < c.length - 1) {
      c[i] = "*";
      continue;
    }
    c[i] = anywhere(c[i]);
    if (temp > 0 && i >= temp && i < c.length - 1) c[i] = tempDir(c[i]);
  }
  return c.join("/");
}
