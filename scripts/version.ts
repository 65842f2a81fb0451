/** The syscall-audit release, written into every log's "open" stats record. */
export const VERSION = "0.2.0";
