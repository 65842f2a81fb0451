/**
 * What several jobs derive from exec records of one host: the map side's
 * index of the host's images (parents, ancestors) and user names.
 *
 * @module
 */

export * from "./host_index.ts";
export * from "./users.ts";
