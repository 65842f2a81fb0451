/**
 * Where the shared reference data is (`shared/` beside the repository, as
 * the checkout and CI lay it): the nearest ancestor of the repository root
 * holding `shared/<sub>`. A git worktree elsewhere finds it further up.
 *
 * @module
 */

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of `shared/<sub>` (e.g. "sigma/rules-linux"); throws when there is none. */
export function sharedPath(sub: string): string {
  let dir = new URL("../..", import.meta.url).pathname.replace(/\/+$/, "");
  for (;;) {
    const parent = dir.slice(0, dir.lastIndexOf("/"));
    const candidate = `${parent}/shared/${sub}`;
    if (exists(candidate)) return candidate;
    if (parent === "") {
      throw new Error(`shared data "shared/${sub}" not found above the repository`);
    }
    dir = parent;
  }
}
