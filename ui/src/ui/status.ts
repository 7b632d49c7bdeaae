// Maps the many ways Kubernetes says "fine" or "broken" onto four tones used for colour.

export type Tone = "ok" | "warning" | "error" | "unknown";

const OK = /^(ok|running|ready|active|bound|available|succeeded|completed|complete|true|healthy|connected)$/i;
const WARN = /^(warning|pending|progressing|containercreating|terminating|syncing|unknown-pending|notready|scheduling|released)$/i;
const ERR = /(error|fail|crashloop|backoff|evicted|oomkilled|lost|forbidden|unreachable|invalid|disconnected)/i;

export function toneOf(status: string | null | undefined): Tone {
  if (!status) return "unknown";
  const s = status.trim();
  if (OK.test(s)) return "ok";
  if (ERR.test(s)) return "error";
  if (WARN.test(s)) return "warning";
  return "unknown";
}
