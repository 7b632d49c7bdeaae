// The resource table's columns, worked out from the list answer's `columnDefinitions`
// (the server's — kubectl's — columns of the kind, in display order, AGE last; a custom
// resource's are its CRD's printer columns). Pure logic, no DOM, so it is unit-tested:
// which columns show (priority > 0 only in the wide view, as `kubectl -o wide`), how a
// cell reads, and what it sorts by (numbers as numbers, date columns by time).
//
// A server without `columnDefinitions` (older) gets the previous behaviour: the keys of
// the first rows' `columns`, AGE last.

import type { ColumnDefinition, ResourceItem } from "../api/types";

export type ColumnRole = "status" | "age" | "plain";

export interface ColumnSpec {
  /** The key in each item's `columns`. */
  name: string;
  type: string;
  priority: number;
  description?: string;
  role: ColumnRole;
}

export interface ColumnPlan {
  /** Server columns shown, in order (Name and Namespace are the table's own). */
  shown: ColumnSpec[];
  /** Wide-only (priority > 0) columns the current view hides. */
  hidden: ColumnSpec[];
  /** True when the plan came from `columnDefinitions`, false when guessed from rows. */
  fromServer: boolean;
}

const OWN = new Set(["name", "namespace"]);

function roleOf(name: string, type: string): ColumnRole {
  const n = name.toLowerCase();
  if (n === "status") return "status";
  if (n === "age" && (type === "date" || type === "")) return "age";
  return "plain";
}

/** Keeps well-formed definitions; anything malformed from a newer or broken server is skipped. */
function cleanDefs(defs: unknown): ColumnDefinition[] | null {
  if (!Array.isArray(defs)) return null;
  const out: ColumnDefinition[] = [];
  const seen = new Set<string>();
  for (const d of defs as Partial<ColumnDefinition>[]) {
    if (!d || typeof d.name !== "string" || !d.name || seen.has(d.name)) continue;
    seen.add(d.name);
    out.push({
      name: d.name,
      type: typeof d.type === "string" ? d.type : "string",
      priority: typeof d.priority === "number" && Number.isFinite(d.priority) ? d.priority : 0,
      ...(typeof d.description === "string" && d.description ? { description: d.description } : {}),
    });
  }
  return out;
}

/** The columns to show for a list: from the server's definitions, or guessed from rows. */
export function planColumns(defs: ColumnDefinition[] | null | undefined, rows: readonly ResourceItem[], wide: boolean): ColumnPlan {
  const clean = cleanDefs(defs);
  let all: ColumnSpec[];
  if (clean) {
    all = clean.filter((d) => !OWN.has(d.name.toLowerCase())).map((d) => ({ ...d, role: roleOf(d.name, d.type) }));
  } else {
    const keys = new Set<string>();
    for (const it of rows.slice(0, 200)) for (const k of Object.keys(it.columns ?? {})) keys.add(k);
    const list = [...keys].filter((k) => !OWN.has(k.toLowerCase()));
    const age = list.filter((k) => k.toLowerCase() === "age");
    all = [...list.filter((k) => k.toLowerCase() !== "age"), ...age].map((k) => {
      const type = k.toLowerCase() === "age" ? "date" : "string";
      return { name: k, type, priority: 0, role: roleOf(k, type) };
    });
  }
  const shown = all.filter((c) => wide || c.priority <= 0);
  const hidden = all.filter((c) => !wide && c.priority > 0);
  return { shown, hidden, fromServer: clean !== null };
}

const UNIT_S: Record<string, number> = { y: 365 * 86400, d: 86400, h: 3600, m: 60, s: 1 };

/** Seconds of a kubectl age ("45s", "5m30s", "3d5h", "2y100d"); null if it is not one. */
export function parseAge(text: string): number | null {
  const t = text.trim();
  if (!/^(\d+[ydhms])+$/.test(t)) return null;
  let s = 0;
  for (const m of t.matchAll(/(\d+)([ydhms])/g)) s += Number(m[1]) * UNIT_S[m[2]!]!;
  return s;
}

/** An age written as kubectl writes one (its HumanDuration): "45s", "5m30s", "5h", "3d5h", "400d". */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  const hr = Math.floor(s / 3600);
  const d = Math.floor(s / 86400);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  if (hr < 8) return m % 60 ? `${hr}h${m % 60}m` : `${hr}h`;
  if (hr < 48) return `${hr}h`;
  if (hr < 24 * 8) return hr % 24 ? `${d}d${hr % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (y < 8) return d % 365 ? `${y}y${d % 365}d` : `${y}y`;
  return `${y}y`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * A date cell: the server writes an age ("5h"); a timestamp (a server that sends
 * RFC 3339) is turned into one. `seconds` is how long ago, null when unknown.
 */
export function dateCell(v: unknown, nowMs = Date.now()): { text: string; seconds: number | null } {
  const text = cellText(v);
  const age = parseAge(text);
  if (age !== null) return { text, seconds: age };
  if (RFC3339.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) {
      const s = Math.max(0, (nowMs - t) / 1000);
      return { text: formatAge(s), seconds: s };
    }
  }
  return { text, seconds: null };
}

/** AGE: from the creation time when known (exact and current), else the server's cell. */
function ageCell(spec: ColumnSpec, r: ResourceItem, nowMs: number): { text: string; seconds: number | null } {
  const t = r.created ? Date.parse(r.created) : NaN;
  if (Number.isFinite(t)) {
    const s = Math.max(0, (nowMs - t) / 1000);
    return { text: formatAge(s), seconds: s };
  }
  return dateCell(r.columns?.[spec.name], nowMs);
}

/** What a cell shows. */
export function renderCell(spec: ColumnSpec, r: ResourceItem, nowMs = Date.now()): string {
  if (spec.role === "age") return ageCell(spec, r, nowMs).text;
  const v = r.columns?.[spec.name];
  if (spec.type === "date") return dateCell(v, nowMs).text;
  return cellText(v);
}

/**
 * What a cell sorts by. Dates by how long ago (ascending: newest first), numbers as
 * numbers; blanks, `<invalid>` and other non-values after every value.
 */
export function sortCell(spec: ColumnSpec, r: ResourceItem, nowMs = Date.now()): string | number {
  if (spec.role === "age" || spec.type === "date") {
    const c = spec.role === "age" ? ageCell(spec, r, nowMs) : dateCell(r.columns?.[spec.name], nowMs);
    return c.seconds ?? Number.POSITIVE_INFINITY;
  }
  const v = r.columns?.[spec.name];
  if (spec.type === "integer" || spec.type === "number") {
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
  }
  return cellText(v);
}

/** Compares two sort values: numbers numerically (infinities equal), text with numeric collation. */
export function compareSortValues(x: string | number, y: string | number): number {
  if (typeof x === "number" && typeof y === "number") {
    if (x === y) return 0;
    return x < y ? -1 : 1;
  }
  if (typeof x === "number") return -1;
  if (typeof y === "number") return 1;
  return x.localeCompare(y, undefined, { numeric: true });
}

/** A grid track for a column: numbers and dates narrow, text flexible. */
export function columnWidth(spec: ColumnSpec): string {
  if (spec.role === "age" || spec.type === "date") return "6.5rem";
  if (spec.type === "integer" || spec.type === "number" || spec.type === "boolean") return "minmax(5rem, 0.6fr)";
  return "minmax(6rem, 1fr)";
}
