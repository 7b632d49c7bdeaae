// Dark and light palettes. They are applied as CSS custom properties (so the stylesheet
// has one source of truth) and read by the WebGL graph, which cannot see CSS.
// test/theme.test.ts checks every pair against WCAG AA.

export type ThemeName = "dark" | "light";

export interface Palette {
  bg: string;
  surface: string;
  surface2: string;
  text: string;
  muted: string;
  border: string;
  accent: string;
  accentText: string;
  /** Text colours for status words and badges. */
  ok: string;
  warning: string;
  error: string;
  unknown: string;
  /** Fill of graph nodes by status (graphics: 3:1 against bg). */
  node: Record<"ok" | "warning" | "error" | "unknown", string>;
  /** Stroke colour per edge type (graphics). */
  edge: Record<string, string>;
  edgeDefault: string;
  dim: string;
  /** Fill of group frames on the canvas (titles in muted text on it). */
  frame: string;
  /** Backdrop behind graph labels, so edges under them do not hurt legibility. */
  labelBg: string;
}

export const EDGE_TYPES = [
  "owns",
  "selects",
  "routes",
  "mounts",
  "references",
  "uses",
  "runs-on",
  "binds",
  "grants",
  "scales",
  "terminates",
] as const;

/**
 * How each relation is drawn, beside its colour: relative thickness and opacity. Structure
 * (owns) is strongest; traffic (selects, routes) next; references to configuration and
 * identity lighter; runs-on, which crosses the whole picture to the Nodes, faintest.
 * The legend draws its swatches from the same table.
 */
export function edgeStyle(type: string): { width: number; alpha: number } {
  switch (type) {
    case "owns":
      return { width: 1.6, alpha: 1 };
    case "selects":
    case "routes":
    case "scales":
      return { width: 1.3, alpha: 0.9 };
    case "runs-on":
      return { width: 0.8, alpha: 0.45 };
    case "grants":
    case "uses":
      return { width: 0.9, alpha: 0.6 };
    default:
      return { width: 1, alpha: 0.75 };
  }
}

/** "#rrggbb" with an opacity, as "rgba(…)" (sigma and canvas both read it). */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})`;
}

export const PALETTES: Record<ThemeName, Palette> = {
  dark: {
    bg: "#0f1419",
    surface: "#161d25",
    surface2: "#1f2933",
    text: "#e6edf3",
    muted: "#a3b1bf",
    border: "#3a4856",
    accent: "#6cb6ff",
    accentText: "#0f1419",
    ok: "#5fd27f",
    warning: "#f2c14e",
    error: "#ff8a80",
    unknown: "#b8c2cc",
    node: { ok: "#3fb868", warning: "#e0a526", error: "#ff5c5c", unknown: "#8a96a3" },
    edge: {
      owns: "#8a96a3",
      selects: "#6cb6ff",
      routes: "#c792ea",
      mounts: "#4fc1b0",
      references: "#d1a75c",
      uses: "#9aa7ff",
      "runs-on": "#6f8aa3",
      binds: "#5cc8e0",
      grants: "#f08dbb",
      scales: "#a6d65c",
      terminates: "#ff9e64",
    },
    edgeDefault: "#7d8b99",
    dim: "#2a3540",
    frame: "#141b22",
    labelBg: "rgba(15,20,25,0.78)",
  },
  light: {
    bg: "#ffffff",
    surface: "#f4f6f9",
    surface2: "#e6ebf1",
    text: "#16202a",
    muted: "#4a5663",
    border: "#b9c3ce",
    accent: "#0b5cad",
    accentText: "#ffffff",
    ok: "#1a7339",
    warning: "#7d5300",
    error: "#b3261e",
    unknown: "#4f5b67",
    node: { ok: "#23914a", warning: "#b97800", error: "#d32f2f", unknown: "#78838f" },
    edge: {
      owns: "#6b7682",
      selects: "#1f6fc5",
      routes: "#8e44ad",
      mounts: "#0f8576",
      references: "#9a6a12",
      uses: "#4b57d1",
      "runs-on": "#4d6a85",
      binds: "#0a7e98",
      grants: "#c2185b",
      scales: "#4f7f10",
      terminates: "#c25100",
    },
    edgeDefault: "#7a8591",
    dim: "#dde3ea",
    frame: "#f5f7fa",
    labelBg: "rgba(255,255,255,0.8)",
  },
};

const THEME_KEY = "kubilitics.theme";

export function preferredTheme(): ThemeName {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem(THEME_KEY) : null;
  if (saved === "dark" || saved === "light") return saved;
  return typeof matchMedia !== "undefined" && matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function applyTheme(name: ThemeName): Palette {
  const p = PALETTES[name];
  const root = document.documentElement;
  root.dataset.theme = name;
  root.style.colorScheme = name;
  const vars: Record<string, string> = {
    bg: p.bg,
    surface: p.surface,
    surface2: p.surface2,
    text: p.text,
    muted: p.muted,
    border: p.border,
    accent: p.accent,
    "accent-text": p.accentText,
    ok: p.ok,
    warning: p.warning,
    error: p.error,
    unknown: p.unknown,
  };
  for (const [k, v] of Object.entries(vars)) root.style.setProperty(`--${k}`, v);
  try {
    localStorage.setItem(THEME_KEY, name);
  } catch {
    /* private mode: the choice just does not persist */
  }
  return p;
}
