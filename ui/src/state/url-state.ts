// The whole view state lives in the URL hash, so a link shows a colleague exactly
// what you see: view, cluster, scope (namespaces, kinds, label selector, focus + hops),
// the selected object and its tab, incident mode, grouping, camera, table sort and wide columns.
// Hash routing needs nothing from the server beyond serving index.html at "/".

export type ViewName = "clusters" | "topology" | "resources" | "events" | "object";
export type DetailTab = "summary" | "yaml" | "events" | "logs" | "topology";

export interface Camera {
  x: number;
  y: number;
  ratio: number;
}

export interface ViewState {
  view: ViewName;
  cluster: string | null;
  /** Resource browser: the kind listed. Object page: unused (objectId says it). */
  kind: string | null;
  namespaces: string[];
  kinds: string[];
  labelSelector: string;
  focus: string | null;
  depth: number;
  selected: string | null;
  tab: DetailTab;
  search: string;
  incident: boolean;
  group: "none" | "namespace" | "app";
  collapsed: string[];
  /** Edge types switched off in the legend. */
  hideEdges: string[];
  /** Topology: also draw Events and Leases (hidden by default: they bury the objects). */
  noise: boolean;
  camera: Camera | null;
  /** Topology renderer: chosen by graph size ("auto"), or forced (`render=webgl|points`). */
  render: "auto" | "webgl" | "points";
  sort: string | null;
  desc: boolean;
  /** Resource browser: also the wide-only columns (priority > 0), as `kubectl -o wide`. */
  wide: boolean;
  eventType: string;
}

export const DEFAULT_STATE: ViewState = {
  view: "clusters",
  cluster: null,
  kind: null,
  namespaces: [],
  kinds: [],
  labelSelector: "",
  focus: null,
  depth: 2,
  selected: null,
  tab: "summary",
  search: "",
  incident: false,
  group: "none",
  collapsed: [],
  hideEdges: [],
  noise: false,
  camera: null,
  render: "auto",
  sort: null,
  desc: false,
  wide: false,
  eventType: "",
};

const TABS: DetailTab[] = ["summary", "yaml", "events", "logs", "topology"];
const VIEWS: ViewName[] = ["clusters", "topology", "resources", "events", "object"];

const enc = encodeURIComponent;

function list(v: string | null): string[] {
  return v ? v.split(",").map(decodeURIComponent).filter(Boolean) : [];
}
function joinList(v: string[]): string {
  return v.map((s) => enc(s)).join(",");
}
function round(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** Encodes the state as a hash ("#/c/prod/topology?ns=shop"); defaults are left out. */
export function encodeState(s: ViewState): string {
  let path: string;
  if (s.view === "clusters" || !s.cluster) path = "/clusters";
  else if (s.view === "resources") path = `/c/${enc(s.cluster)}/resources${s.kind ? `/${enc(s.kind)}` : ""}`;
  else if (s.view === "object" && s.selected) path = `/c/${enc(s.cluster)}/object/${enc(s.selected)}`;
  else path = `/c/${enc(s.cluster)}/${s.view === "object" ? "topology" : s.view}`;

  const q: string[] = [];
  const put = (k: string, v: string) => q.push(`${k}=${v}`);
  if (s.namespaces.length) put("ns", joinList(s.namespaces));
  if (s.kinds.length) put("kinds", joinList(s.kinds));
  if (s.labelSelector) put("l", enc(s.labelSelector));
  if (s.focus) put("focus", enc(s.focus));
  if (s.depth !== DEFAULT_STATE.depth) put("depth", String(s.depth));
  if (s.selected && s.view !== "object") put("sel", enc(s.selected));
  if (s.tab !== DEFAULT_STATE.tab) put("tab", s.tab);
  if (s.search) put("q", enc(s.search));
  if (s.incident) put("incident", "1");
  if (s.group !== "none") put("group", s.group);
  if (s.collapsed.length) put("collapsed", joinList(s.collapsed));
  if (s.hideEdges.length) put("he", joinList(s.hideEdges));
  if (s.noise) put("noise", "1");
  if (s.camera) put("cam", [s.camera.x, s.camera.y, s.camera.ratio].map(round).join(","));
  if (s.render !== "auto") put("render", s.render);
  if (s.sort) put("sort", enc(s.sort));
  if (s.desc) put("desc", "1");
  if (s.wide) put("wide", "1");
  if (s.eventType) put("type", enc(s.eventType));
  return `#${path}${q.length ? `?${q.join("&")}` : ""}`;
}

/** Decodes a hash; anything missing or malformed falls back to its default. */
export function decodeState(hash: string): ViewState {
  const s: ViewState = { ...DEFAULT_STATE, namespaces: [], kinds: [], collapsed: [], hideEdges: [] };
  const raw = hash.replace(/^#/, "");
  const qi = raw.indexOf("?");
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const query = qi < 0 ? "" : raw.slice(qi + 1);
  const parts = path.split("/").filter((p) => p !== "");

  if (parts[0] === "c" && parts[1]) {
    s.cluster = decodeURIComponent(parts[1]);
    const v = parts[2] ?? "topology";
    s.view = (VIEWS as string[]).includes(v) && v !== "clusters" ? (v as ViewName) : "topology";
    if (s.view === "resources" && parts[3]) s.kind = decodeURIComponent(parts[3]);
    if (s.view === "object") {
      if (parts[3]) s.selected = decodeURIComponent(parts.slice(3).join("/"));
      else s.view = "topology";
    }
  }

  // Parsed by hand: URLSearchParams would turn "+" in a label selector into a space.
  const params = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    params.set(eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? "" : pair.slice(eq + 1));
  }
  const get = (k: string) => params.get(k) ?? null;
  const text = (k: string) => {
    const v = get(k);
    try {
      return v ? decodeURIComponent(v) : "";
    } catch {
      return "";
    }
  };
  s.namespaces = list(get("ns"));
  s.kinds = list(get("kinds"));
  s.labelSelector = text("l");
  s.focus = text("focus") || null;
  const depth = Number(get("depth"));
  if (get("depth") !== null && Number.isInteger(depth) && depth >= 0 && depth <= 10) s.depth = depth;
  if (s.view !== "object") s.selected = text("sel") || null;
  const tab = get("tab");
  if (tab && (TABS as string[]).includes(tab)) s.tab = tab as DetailTab;
  s.search = text("q");
  s.incident = get("incident") === "1";
  const group = get("group");
  if (group === "namespace" || group === "app") s.group = group;
  s.collapsed = list(get("collapsed"));
  s.hideEdges = list(get("he"));
  s.noise = get("noise") === "1";
  const cam = (get("cam") ?? "").split(",").map(Number);
  if (cam.length === 3 && cam.every(Number.isFinite) && cam[2]! > 0) s.camera = { x: cam[0]!, y: cam[1]!, ratio: cam[2]! };
  const render = get("render");
  if (render === "webgl" || render === "points") s.render = render;
  s.sort = text("sort") || null;
  s.desc = get("desc") === "1";
  s.wide = get("wide") === "1";
  s.eventType = text("type");
  return s;
}
