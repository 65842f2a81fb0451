/**
 * User names: a passwd snapshot (`name:x:uid:gid:...` lines, as
 * /etc/passwd or `getent passwd` print them) read once per task, so rules
 * and findings can say `User: root` instead of a uid. Without a snapshot a
 * user is its uid as text ("0"), which Sigma rules written against names
 * do not match: docs/sigma.md says which rules that concerns.
 *
 * @module
 */

/** uid -> name. */
export type UserNames = ReadonlyMap<number, string>;

/**
 * The names of a passwd text; the first name of a uid wins (as getpwuid
 * answers). Comment lines, blank lines and lines that are not passwd
 * entries are skipped; a RangeError naming the line when none is an entry.
 */
export function parsePasswd(text: string, source = "passwd"): UserNames {
  const names = new Map<number, string>();
  let entries = 0;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 7 || !/^\d+$/.test(f[2]) || f[0] === "") continue;
    entries++;
    const uid = Number(f[2]);
    if (!names.has(uid)) names.set(uid, f[0]);
  }
  if (entries === 0 && text.trim() !== "") {
    throw new RangeError(`${source}: no passwd entries (name:x:uid:gid:gecos:home:shell)`);
  }
  return names;
}

/** The user of a uid: its name in `names`, else the uid as text; null for an unknown uid. */
export function userName(uid: number | null, names?: UserNames): string | null {
  if (uid === null) return null;
  return names?.get(uid) ?? String(uid);
}
