/**
 * Parameters that name local files or directories a job reads
 * (`coverage.inventory=FILE`, `sigma.rules=DIR[,DIR]`). A job reads them
 * when it is made, in every process that runs it; on Spark the wrapper
 * ships a file parameter with `--files` and packs a directory parameter's
 * files into one pack file first (`packFiles`), so executors read the
 * same bytes the driver's machine had.
 *
 * @module
 */

/** One file of a directory parameter: its path relative to its directory, its text. */
export interface PackedFile {
  file: string;
  text: string;
}

/** The first line of a pack file. */
export const PACK_MAGIC = "syscall-audit-pack/1";

/** A file parameter's text; a RangeError `<job>.<param>: cannot read "<path>": <cause>`. */
export function readParamFile(job: string, param: string, path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    const cause = (e as Error).message.split("\n")[0];
    throw new RangeError(`${job}.${param}: cannot read ${JSON.stringify(path)}: ${cause}`);
  }
}

/**
 * Every file under `dirs` whose name ends with one of `exts` (lower case; any case matches),
 * recursively,
 * sorted by path; symlinks are not followed (a link is skipped). Paths are
 * relative to their directory, prefixed `<n>:` (0-based) when there are
 * several directories. A RangeError naming the directory when one cannot
 * be read.
 */
export function readTreeSync(
  job: string,
  param: string,
  dirs: readonly string[],
  exts: readonly string[],
): PackedFile[] {
  const out: PackedFile[] = [];
  dirs.forEach((dir, i) => {
    const prefix = dirs.length > 1 ? `${i}:` : "";
    const walk = (rel: string) => {
      const abs = rel === "" ? dir : `${dir}/${rel}`;
      let entries: Deno.DirEntry[];
      try {
        entries = [...Deno.readDirSync(abs)];
      } catch (e) {
        const cause = (e as Error).message.split("\n")[0];
        throw new RangeError(`${job}.${param}: cannot read ${JSON.stringify(abs)}: ${cause}`);
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const r = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isSymlink) continue;
        if (e.isDirectory) walk(r);
        else if (e.isFile && exts.some((x) => e.name.toLowerCase().endsWith(x))) {
          out.push({ file: prefix + r, text: readParamFile(job, param, `${dir}/${r}`) });
        }
      }
    };
    walk("");
  });
  return out;
}

/** A pack file's text. */
export function encodePack(files: readonly PackedFile[]): string {
  return `${PACK_MAGIC}\n${JSON.stringify(files)}\n`;
}

/** The files of a pack file's text, or null when `text` is not one. */
export function decodePack(text: string): PackedFile[] | null {
  if (!text.startsWith(PACK_MAGIC + "\n")) return null;
  return JSON.parse(text.slice(PACK_MAGIC.length + 1)) as PackedFile[];
}

/**
 * A directory parameter's files: `value` is a pack file (what the wrapper
 * ships to Spark) or comma-separated directories.
 */
export function readDirsParam(
  job: string,
  param: string,
  value: string,
  exts: readonly string[],
): PackedFile[] {
  const dirs = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (dirs.length === 1) {
    let st: Deno.FileInfo | null = null;
    try {
      st = Deno.statSync(dirs[0]);
    } catch { /* reported by readTreeSync */ }
    if (st?.isFile) {
      const packed = decodePack(readParamFile(job, param, dirs[0]));
      if (!packed) {
        throw new RangeError(
          `${job}.${param}: ${JSON.stringify(dirs[0])} is a file, not a directory`,
        );
      }
      return packed;
    }
  }
  if (!dirs.length) throw new RangeError(`${job}.${param}: no directory given`);
  return readTreeSync(job, param, dirs, exts);
}
