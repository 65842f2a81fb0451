/**
 * The shipper's layout in HDFS (docs/hdfs-layout.md): day and host
 * directories, piece names, conflict copies, the key escrow and the names
 * readers skip.
 *
 * @module
 */

export { hostOfDir, MAX_ENCODED_HOST, sanitizeHost } from "./host.ts";
export {
  conflictName,
  dayDir,
  hostDayDir,
  isHidden,
  keyFileName,
  KEYS_DIR,
  keysDir,
  keysRoot,
  type LayoutPath,
  parseLayoutPath,
  pieceName,
  STAGING_DIR,
  stagingDir,
  stampOf,
} from "./paths.ts";
