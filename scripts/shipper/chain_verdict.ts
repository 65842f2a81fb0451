/**
 * The hook where the shipper asks for the verdict on a file's S1 hash chain
 * (docs/log-format.md) before uploading it. The verdict is recorded in each
 * piece's `user.syscall_audit` xattr as `chain`; it never stops a file from
 * shipping. Verdicts: `"ok"`, `"broken: <first break>"`,
 * `"unverifiable: <why>"`.
 *
 * Not wired yet: the verifier (scripts/tamper/verify.ts, `verifyFiles(paths,
 * {keys})`) is written elsewhere and replaces the body of
 * {@link chainVerdict} when it is merged.
 *
 * @module
 */

/** The verdict recorded when no verifier is wired in. */
export const VERIFIER_NOT_WIRED = "unverifiable: verifier not wired";

/**
 * The verdict on the hash chain of the log at `path` (the shipper passes
 * `/proc/self/fd/<fd>` of the descriptor it checked and reads, so the
 * verifier reads the very same file).
 */
export function chainVerdict(_path: string): Promise<string> {
  return Promise.resolve(VERIFIER_NOT_WIRED);
}
