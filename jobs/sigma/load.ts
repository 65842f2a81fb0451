/**
 * readRuleFiles(): the rule files of one or more directories, read for
 * compileRuleSet(). Every `*.yml` / `*.yaml` under each directory
 * (recursive, sorted by relative path); symbolic links are not followed
 * (neither to files nor to directories): `onSkip` hears of each one.
 *
 * @module
 */

import type { RuleFile } from "./types.ts";

/** Options of {@link readRuleFiles}. */
export interface ReadRuleFilesOptions {
  /** called for each entry not read: a symlink (default: nothing is called) */
  onSkip?: (path: string, reason: string) => void;
}

const RULE_FILE = /\.ya?ml$/i;

async function walk(root: string, rel: string, out: string[], opts: ReadRuleFilesOptions) {
  const dir = rel === "" ? root : `${root}/${rel}`;
  for await (const e of Deno.readDir(dir)) {
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isSymlink) {
      opts.onSkip?.(`${root}/${path}`, "symbolic link not followed");
    } else if (e.isDirectory) {
      await walk(root, path, out, opts);
    } else if (e.isFile && RULE_FILE.test(e.name)) {
      out.push(path);
    }
  }
}

/**
 * Every *.yml / *.yaml under each dir (recursive, sorted; symlinks not followed),
 * {file: path relative to its dir (prefixed "<dirIndex>:" only when several dirs), text}.
 */
export async function readRuleFiles(
  dirs: readonly string[],
  opts: ReadRuleFilesOptions = {},
): Promise<RuleFile[]> {
  const out: RuleFile[] = [];
  for (let i = 0; i < dirs.length; i++) {
    const root = dirs[i].replace(/\/+$/, "") || "/";
    const info = await Deno.stat(root).catch((e) => {
      throw new Error(`sigma rules directory ${root}: ${e instanceof Error ? e.message : e}`);
    });
    if (!info.isDirectory) throw new Error(`sigma rules directory ${root} is not a directory`);
    const paths: string[] = [];
    await walk(root, "", paths, opts);
    paths.sort();
    for (const p of paths) {
      out.push({
        file: dirs.length > 1 ? `${i}:${p}` : p,
        text: await Deno.readTextFile(`${root}/${p}`),
      });
    }
  }
  return out;
}
