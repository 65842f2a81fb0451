/**
 * Tamper evidence for the audit log: the keyed hash chain's writer
 * (chain.ts), its record layout (record.ts), key escrow (escrow.ts) and the
 * verifier (verify.ts). The threat model: docs/tamper-evidence.md.
 *
 * @module
 */

export { ChainWriter, fromHex, keyAt, keyId, nextKey, toHex, ZERO_CHAIN } from "./chain.ts";
export { sealedStatsLine } from "./record.ts";
export {
  type ChainState,
  type EscrowRecord,
  escrowRecord,
  loadKeys,
  newRunKey,
  openEscrow,
  parseEscrow,
  readChainState,
  sealKey,
  unsealKey,
  writeChainState,
  writeEscrow,
} from "./escrow.ts";
export {
  type BreakKind,
  type ChainBreak,
  ChainVerifier,
  feedFile,
  type RunSummary,
  verifyFiles,
  type VerifyResult,
} from "./verify.ts";
