// Renders a JSON value as YAML for the read-only object view. It covers what the
// Kubernetes API returns (maps, lists, strings, numbers, booleans, null) and quotes
// strings YAML would otherwise misread, so what is shown is valid YAML.

const PLAIN = /^[A-Za-z0-9_./-][A-Za-z0-9 _./:@,()-]*$/;
const SPECIAL = /^(true|false|yes|no|on|off|null|~|y|n)$/i;
const NUMBERISH = /^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^0x[0-9a-f]+$|^0o[0-7]+$|^\.(inf|nan)$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  const s = String(v);
  if (s === "") return '""';
  if (PLAIN.test(s) && !SPECIAL.test(s) && !NUMBERISH.test(s) && !s.endsWith(" ") && !s.includes(": ")) return s;
  return JSON.stringify(s);
}

function key(k: string): string {
  return PLAIN.test(k) && !SPECIAL.test(k) && !NUMBERISH.test(k) && !k.includes(": ") ? k : JSON.stringify(k);
}

function isEmptyContainer(v: unknown): string | null {
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) return "{}";
  return null;
}

function block(s: string, indent: string): string | null {
  if (!s.includes("\n")) return null;
  const keep = s.endsWith("\n") ? "" : "-";
  const body = s.replace(/\n$/, "").split("\n").map((l) => (l ? indent + l : "")).join("\n");
  return `|${keep}\n${body}`;
}

function emit(v: unknown, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      const empty = isEmptyContainer(item);
      if (item && typeof item === "object" && !empty) {
        const lines: string[] = [];
        emit(item, indent + "  ", lines);
        const first = lines[0] ?? "";
        out.push(`${indent}- ${first.slice(indent.length + 2)}`, ...lines.slice(1));
      } else {
        out.push(`${indent}- ${empty ?? (typeof item === "string" ? (block(item, indent + "  ") ?? scalar(item)) : scalar(item))}`);
      }
    }
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const empty = isEmptyContainer(val);
    if (val && typeof val === "object" && !empty) {
      out.push(`${indent}${key(k)}:`);
      emit(val, Array.isArray(val) ? indent : indent + "  ", out);
    } else {
      const text = empty ?? (typeof val === "string" ? (block(val, indent + "  ") ?? scalar(val)) : scalar(val));
      out.push(`${indent}${key(k)}: ${text}`);
    }
  }
}

export function toYaml(v: unknown): string {
  if (v === null || typeof v !== "object") return scalar(v) + "\n";
  const empty = isEmptyContainer(v);
  if (empty) return empty + "\n";
  const out: string[] = [];
  emit(v, "", out);
  return out.join("\n") + "\n";
}
