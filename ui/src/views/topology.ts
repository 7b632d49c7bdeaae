// The topology view, home screen of a cluster. It fetches the server's graph for the
// scope in the URL (namespaces, kinds, label selector, focus + hops), draws it with a
// GraphView (sigma's WebGL, or the points renderer for large graphs: topology-canvas.ts),
// and keeps it live with a WebSocket subscription resumed from the
// snapshot's resourceVersion. Filters that the server does not scope (search, incident,
// grouping, edge types) are applied at display time, without refetching.

import type { ApiError } from "../api/errors";
import type { TopologyQuery } from "../api/http";
import type { DeltaMessage, KubeEvent, TopoNode } from "../api/types";
import type { Ctx, View } from "../context";
import { GraphStore } from "../state/graph-store";
import type { ViewState } from "../state/url-state";
import { age, download, h, replaceChildren, toast } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";
import { bareKind, kindGlyph } from "../ui/kinds";
import { EDGE_TYPES, edgeStyle, withAlpha } from "../ui/theme";
import { createGraphView, type GraphView, softwareWebGL } from "./topology-canvas";

const COMMON_KINDS = ["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Service", "Ingress", "ConfigMap", "Secret", "PersistentVolumeClaim", "Node"];

function scopeKey(s: ViewState): string {
  return JSON.stringify([s.cluster, s.namespaces, s.kinds, s.labelSelector, s.focus, s.focus ? s.depth : null, s.render]);
}

/** Kinds hidden unless asked for: many, short-lived, and shown better as event lists. */
const NOISE_KINDS = new Set(["Event", "Lease"]);

function isUnhealthy(n: TopoNode): boolean {
  return n.status === "error" || n.status === "warning";
}

export function createTopologyView(ctx: Ctx, initial: ViewState): View {
  const store = new GraphStore();
  let state = initial;
  let canvas: GraphView | null = null;
  let sub: ReturnType<Ctx["live"]["subscribe"]> | null = null;
  let loadAbort: AbortController | null = null;
  let loadError: ApiError | null = null;
  let loading = false;
  let cameraTimer: ReturnType<typeof setTimeout> | null = null;
  let incidentEvents: KubeEvent[] | null = null;
  /** Fit the camera to what is shown after the next display refresh (first load, filter change). */
  let fitPending = false;
  /** Delta messages received (benchmarks read it). */
  let deltaCount = 0;
  /** Deltas waiting for the next animation frame, applied together (see flushDeltas). */
  let pendingDeltas: DeltaMessage[] = [];
  let flushFrame = 0;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let incidentTimer: ReturnType<typeof setTimeout> | null = null;
  let incidentSeq = 0;
  const knownKinds = new Set<string>(COMMON_KINDS);
  const knownNamespaces = new Set<string>();

  // ---- layout ----
  const nsInput = h("input", { id: "topo-ns", placeholder: "all namespaces", list: "topo-ns-list", autocomplete: "off", "aria-describedby": "topo-ns-help" });
  const nsList = h("datalist", { id: "topo-ns-list" });
  const labelInput = h("input", { id: "topo-labels", placeholder: "app=web,tier!=db", autocomplete: "off", spellcheck: false });
  const kindsBox = h("div", { class: "kinds-menu", role: "group", "aria-label": "Kinds to show" });
  const kindsSummary = h("summary", { class: "btn" }, "Kinds: all");
  const kindsDetails = h("details", { class: "kinds-picker" }, kindsSummary, kindsBox);
  const searchInput = h("input", { id: "topo-search", type: "search", placeholder: "Find object (Enter jumps)", autocomplete: "off", "aria-describedby": "topo-search-count" });
  const searchCount = h("span", { id: "topo-search-count", class: "muted small", "aria-live": "polite" });
  const depthSelect = h("select", { id: "topo-depth", "aria-label": "Hops around focus" }, [1, 2, 3, 4, 5].map((d) => h("option", { value: String(d) }, `${d} hop${d > 1 ? "s" : ""}`)));
  const focusBox = h("div", { class: "focus-box" });
  const groupSelect = h(
    "select",
    { id: "topo-group", "aria-label": "Group by" },
    h("option", { value: "none" }, "No grouping"),
    h("option", { value: "namespace" }, "Group by namespace"),
    h("option", { value: "app" }, "Group by application"),
  );
  const svgLink = h("a", { class: "btn", download: "topology.svg", title: "The server's SVG export of this view" }, "Export SVG");
  const pngButton = h("button", { class: "btn", type: "button" }, "Export PNG");
  const toolbar = h(
    "form",
    { class: "toolbar", role: "search", "aria-label": "Topology scope and search", onsubmit: (e: Event) => e.preventDefault() },
    h("div", { class: "field" }, h("label", { for: "topo-ns" }, "Namespaces"), nsInput, nsList, h("span", { id: "topo-ns-help", class: "sr-only" }, "Comma-separated; press Enter to apply")),
    h("div", { class: "field" }, h("span", { class: "label" }, "Kinds"), kindsDetails),
    h("div", { class: "field" }, h("label", { for: "topo-labels" }, "Label selector"), labelInput),
    h("div", { class: "field grow" }, h("label", { for: "topo-search" }, "Search"), searchInput, searchCount),
    h("div", { class: "field" }, h("label", { for: "topo-group" }, "Grouping"), groupSelect),
    focusBox,
    h("div", { class: "field actions" }, svgLink, pngButton),
  );
  const banner = h("div", { class: "banner-slot" });
  const stage = h("div", { class: "graph-stage", tabindex: "0", role: "application", "aria-label": "Topology graph. Arrow keys pan, plus and minus zoom, 0 resets, Enter opens the selected object." });
  const tooltip = h("div", { class: "graph-tooltip", role: "tooltip", hidden: true });
  const legend = h("aside", { class: "legend", "aria-label": "Legend" });
  const groupsPanel = h("div", { class: "groups-panel" });
  const incidentPanel = h("aside", { class: "incident-panel", "aria-label": "Warning events", hidden: true });
  const statusLine = h("div", { class: "status-line", "aria-live": "polite" });
  const empty = h("div", { class: "graph-empty", hidden: true });
  const el = h(
    "section",
    { class: "view view-topology", "aria-label": "Topology" },
    toolbar,
    banner,
    h("div", { class: "graph-wrap" }, stage, tooltip, empty, legend, incidentPanel),
    statusLine,
  );

  // ---- toolbar events ----
  const applyScope = () =>
    ctx.navigate({
      namespaces: nsInput.value.split(",").map((s) => s.trim()).filter(Boolean),
      labelSelector: labelInput.value.trim(),
    });
  nsInput.addEventListener("keydown", (e) => e.key === "Enter" && applyScope());
  nsInput.addEventListener("change", applyScope);
  labelInput.addEventListener("keydown", (e) => e.key === "Enter" && applyScope());
  labelInput.addEventListener("change", applyScope);
  searchInput.addEventListener("input", () => ctx.navigate({ search: searchInput.value }, { replace: true }));
  searchInput.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const hit = searchHits()[0];
    if (hit) {
      canvas?.jumpTo(hit);
      ctx.navigate({ selected: hit });
    }
  });
  depthSelect.addEventListener("change", () => ctx.navigate({ depth: Number(depthSelect.value) }));
  groupSelect.addEventListener("change", () => ctx.navigate({ group: groupSelect.value as ViewState["group"], collapsed: [] }));
  pngButton.addEventListener("click", async () => {
    const blob = await canvas?.toPng();
    if (blob) download(`topology-${state.cluster}.png`, blob);
    else toast("Nothing to export yet", "error");
  });

  // ---- data ----
  function query(s: ViewState): TopologyQuery {
    return { namespaces: s.namespaces, kinds: s.kinds, labelSelector: s.labelSelector, focus: s.focus, depth: s.focus ? s.depth : null };
  }

  async function load(resync = false): Promise<void> {
    loadAbort?.abort();
    const ac = new AbortController();
    loadAbort = ac;
    loading = true;
    renderStatus();
    // Which renderer suits this browser is asked while the snapshot is on its way.
    if (!canvas && state.render === "auto") softwareWebGL();
    try {
      const t = await ctx.api.topology(state.cluster!, query(state), ac.signal);
      if (ac.signal.aborted) return;
      loadError = null;
      for (const n of t.nodes) {
        knownKinds.add(bareKind(n.kind));
        if (n.namespace) knownNamespaces.add(n.namespace);
      }
      const change = store.replace(t);
      if (!canvas) {
        canvas = createGraphView(store.nodes.size, state.render, stage, ctx.palette(), {
          onClick: (id) => {
            const a = canvas?.nodeAttrs(id);
            if (a?.aggregate !== undefined) ctx.navigate({ collapsed: state.collapsed.filter((c) => c !== a.group) });
            else ctx.navigate({ selected: id });
          },
          onHover: showTooltip,
          onStageClick: () => state.selected && ctx.navigate({ selected: null }),
          onCamera: cameraMoved,
        });
        canvas.mount(store);
        canvas.setServerGroups(t.groups ?? null);
        if (state.camera) canvas.setCamera(state.camera);
        else fitPending = true;
      } else {
        canvas.apply(change, store);
        canvas.setServerGroups(t.groups ?? null);
      }
      refreshDisplay();
      if (state.incident) void renderIncident();
      if (sub && resync) sub.resume(t.resourceVersion);
      else subscribe(t.resourceVersion);
    } catch (e) {
      if (ac.signal.aborted) return;
      loadError = asApiError(e);
    } finally {
      if (loadAbort === ac) {
        loading = false;
        loadAbort = null;
      }
      renderBanner();
      renderStatus();
      renderControls();
    }
  }

  function subscribe(rv: string): void {
    sub?.unsubscribe();
    sub = ctx.live.subscribe(
      { cluster: state.cluster!, namespace: state.namespaces.length ? state.namespaces.join(",") : null, focus: state.focus, depth: state.focus ? state.depth : undefined, kinds: state.kinds },
      rv,
      {
        onDelta: (d) => {
          deltaCount++;
          pendingDeltas.push(d);
          // Applied once per animation frame, not per message: at 100 deltas/s on a
          // large graph, per-message work would starve the drawing. The timer covers
          // hidden tabs, where animation frames do not run.
          if (!flushFrame) flushFrame = requestAnimationFrame(flushDeltas);
          if (!flushTimer) flushTimer = setTimeout(flushDeltas, 250);
        },
        onResync: () => void load(true),
      },
    );
  }

  function flushDeltas(): void {
    if (flushFrame) cancelAnimationFrame(flushFrame);
    if (flushTimer) clearTimeout(flushTimer);
    flushFrame = 0;
    flushTimer = null;
    const list = pendingDeltas;
    pendingDeltas = [];
    let changed = false;
    let nodesChanged = false;
    for (const d of list) {
      const ch = store.applyDelta(d);
      if (ch.stale || !canvas) continue;
      for (const n of ch.addedNodes) {
        knownKinds.add(bareKind(n.kind));
        if (n.namespace) knownNamespaces.add(n.namespace);
      }
      canvas.apply(ch, store);
      changed = true;
      if (ch.updatedNodes.length || ch.addedNodes.length || ch.removedNodes.length) nodesChanged = true;
    }
    if (!changed) return;
    refreshDisplay();
    renderStatus();
    // The failing list follows the graph, at most every 2 s.
    if (state.incident && !incidentTimer && nodesChanged)
      incidentTimer = setTimeout(() => {
        incidentTimer = null;
        void renderIncident();
      }, 2000);
  }

  // ---- display ----
  function searchHits(): string[] {
    const q = state.search.trim().toLowerCase();
    if (!q) return [];
    const exact: string[] = [];
    const partial: string[] = [];
    for (const n of store.nodes.values()) {
      const name = n.name.toLowerCase();
      if (name === q || n.id.toLowerCase() === q) exact.push(n.id);
      else if (name.includes(q) || n.id.toLowerCase().includes(q)) partial.push(n.id);
    }
    return exact.concat(partial);
  }

  function kindAllowed(n: TopoNode): boolean {
    return kindOk(n.kind);
  }

  /** Kinds shown: the scope's kinds (deltas may carry others), else all but the noise. */
  function kindOk(kind: string): boolean {
    if (!state.kinds.length) return state.noise || !NOISE_KINDS.has(bareKind(kind));
    const k = bareKind(kind).toLowerCase();
    return state.kinds.some((x) => bareKind(x).toLowerCase() === k);
  }

  function refreshDisplay(): void {
    if (!canvas) return;
    // Visible: kinds (a predicate, checked by the canvas), then incident and collapsed
    // groups (a set: only when one of them is on, so a delta does not rebuild it).
    let visible: Set<string> | null = null;
    const collapsed = new Set(state.group !== "none" ? state.collapsed : []);
    const groupOf = (n: TopoNode) => (state.group === "app" ? (n.group ?? n.namespace) : n.namespace) || "(cluster)";
    const filterKinds = state.kinds.length > 0 || !state.noise;
    if (state.incident || collapsed.size) {
      let base = [...store.nodes.values()].filter(kindAllowed);
      if (state.incident) {
        const keep = new Set<string>();
        for (const n of base) if (isUnhealthy(n)) for (const id of store.neighbourhood(n.id, 1)) keep.add(id);
        base = base.filter((n) => keep.has(n.id));
      }
      visible = new Set(base.filter((n) => !collapsed.has(groupOf(n))).map((n) => n.id));
    }
    // Collapsed groups become one node each, coloured by their worst member.
    const groups = new Map<string, { members: string[]; status: string }>();
    if (state.group !== "none") {
      for (const n of store.nodes.values()) {
        const g = groupOf(n);
        let e = groups.get(g);
        if (!e) groups.set(g, (e = { members: [], status: "ok" }));
        e.members.push(n.id);
        if (n.status === "error" || (n.status === "warning" && e.status !== "error")) e.status = n.status;
      }
    }
    canvas.setAggregates(
      [...collapsed].filter((g) => groups.has(g)).map((g) => ({ key: `group:${g}`, label: g, members: groups.get(g)!.members, status: groups.get(g)!.status })),
    );
    const hits = searchHits();
    let emphasis: Set<string> | null = null;
    if (state.search.trim()) emphasis = new Set(hits);
    else if (state.selected && store.nodes.has(state.selected)) emphasis = store.neighbourhood(state.selected, 1);
    canvas.setFilter({
      visible,
      kindOk: filterKinds ? kindOk : null,
      emphasis,
      selected: state.selected,
      hiddenEdgeTypes: new Set(state.hideEdges),
      hits: state.search.trim() ? new Set(hits.slice(0, 60)) : null,
    });
    if (fitPending) {
      fitPending = false;
      canvas.fit(visible ?? (filterKinds ? [...store.nodes.values()].filter(kindAllowed).map((n) => n.id) : undefined), false);
    }
    searchCount.textContent = state.search.trim() ? `${hits.length} match${hits.length === 1 ? "" : "es"}` : "";
    renderGroups(groups);
    let shown = visible ? visible.size : store.nodes.size;
    if (!visible && filterKinds && shown) {
      shown = 0;
      for (const n of store.nodes.values())
        if (kindAllowed(n)) {
          shown = 1; // only "none or some" matters here
          break;
        }
    }
    empty.hidden = !(store.nodes.size === 0 || shown === 0) || !!loadError || loading;
    replaceChildren(
      empty,
      store.nodes.size === 0
        ? "No objects in this scope. Widen the namespaces, kinds or label selector."
        : state.incident
          ? "Nothing is failing in this scope."
          : "All objects are filtered out.",
    );
  }

  function renderGroups(groups: Map<string, { members: string[]; status: string }>): void {
    if (state.group === "none") {
      replaceChildren(groupsPanel);
      return;
    }
    const collapsed = new Set(state.collapsed);
    replaceChildren(
      groupsPanel,
      h("h3", null, "Groups"),
      [...groups.entries()]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .slice(0, 200)
        .map(([g, e]) => {
          const cb = h("input", { type: "checkbox", checked: collapsed.has(g), id: `grp-${g}` });
          cb.addEventListener("change", () =>
            ctx.navigate({ collapsed: cb.checked ? [...state.collapsed, g] : state.collapsed.filter((x) => x !== g) }),
          );
          return h("div", { class: "check" }, cb, h("label", { for: `grp-${g}` }, `collapse ${g} (${e.members.length})`));
        }),
    );
  }

  function renderLegend(): void {
    const p = ctx.palette();
    const hidden = new Set(state.hideEdges);
    const noise = h("input", { type: "checkbox", checked: state.noise, id: "topo-noise" });
    noise.addEventListener("change", () => ctx.navigate({ noise: noise.checked }));
    replaceChildren(
      legend,
      h("h3", null, "Status"),
      h(
        "ul",
        { class: "legend-list" },
        (["ok", "warning", "error", "unknown"] as const).map((s) =>
          h("li", null, h("span", { class: "swatch-dot", style: { background: p.node[s] }, "aria-hidden": "true" }), s),
        ),
      ),
      h("h3", null, "Relations"),
      h(
        "ul",
        { class: "legend-list" },
        EDGE_TYPES.map((t) => {
          const cb = h("input", { type: "checkbox", checked: !hidden.has(t), id: `edge-${t}` });
          cb.addEventListener("change", () =>
            ctx.navigate({ hideEdges: cb.checked ? state.hideEdges.filter((x) => x !== t) : [...state.hideEdges, t] }),
          );
          const st = edgeStyle(t);
          return h(
            "li",
            null,
            cb,
            h(
              "label",
              { for: `edge-${t}` },
              h("span", { class: "swatch-line", style: { background: withAlpha(p.edge[t] ?? p.edgeDefault, st.alpha), height: `${Math.round(st.width * 2)}px` }, "aria-hidden": "true" }),
              t,
            ),
          );
        }),
      ),
      h("h3", null, "Show"),
      h("div", { class: "check" }, noise, h("label", { for: "topo-noise" }, "Events and Leases")),
      groupsPanel,
    );
  }

  function renderControls(): void {
    if (document.activeElement !== nsInput) nsInput.value = state.namespaces.join(",");
    if (document.activeElement !== labelInput) labelInput.value = state.labelSelector;
    if (document.activeElement !== searchInput) searchInput.value = state.search;
    depthSelect.value = String(state.depth);
    groupSelect.value = state.group;
    replaceChildren(nsList, [...knownNamespaces].sort().map((n) => h("option", { value: n })));
    const selected = new Set(state.kinds.map((k) => bareKind(k)));
    kindsSummary.textContent = state.kinds.length ? `Kinds: ${state.kinds.map(bareKind).join(", ")}` : "Kinds: all";
    replaceChildren(
      kindsBox,
      [...knownKinds].sort().map((k) => {
        const cb = h("input", { type: "checkbox", id: `kind-${k}`, checked: selected.has(k) });
        cb.addEventListener("change", () => {
          const next = new Set(state.kinds.map(bareKind));
          if (cb.checked) next.add(k);
          else next.delete(k);
          ctx.navigate({ kinds: [...next] });
        });
        return h("div", { class: "check" }, cb, h("label", { for: `kind-${k}` }, h("span", { class: "glyph" }, kindGlyph(k)), k));
      }),
    );
    if (state.focus) {
      replaceChildren(
        focusBox,
        h("div", { class: "field" }, h("span", { class: "label" }, "Focus"), h("span", { class: "focus-chip" }, h("code", null, state.focus)), depthSelect,
          h("button", { class: "btn btn-small", type: "button", onclick: () => ctx.navigate({ focus: null }) }, "Clear focus")),
      );
    } else replaceChildren(focusBox);
    svgLink.href = ctx.api.topologySvgUrl(state.cluster!, query(state));
    renderLegend();
  }

  function renderBanner(): void {
    if (loadError) {
      replaceChildren(banner, errorBanner(loadError, [{ label: "Retry", run: () => void load() }]));
    } else if (store.truncated) {
      replaceChildren(
        banner,
        h("div", { class: "notice", role: "status" }, `The server cut this view at ${store.nodes.size.toLocaleString()} objects. Narrow it by namespace, kinds or focus to see everything.`),
      );
    } else replaceChildren(banner);
  }

  function renderStatus(): void {
    const live = ctx.live.getState();
    const parts: (HTMLElement | string)[] = [
      h("span", { "data-testid": "topo-counts" }, `${store.nodes.size.toLocaleString()} objects · ${store.edges.size.toLocaleString()} relations`),
    ];
    if (store.resourceVersion) parts.push(h("span", { class: "muted" }, ` · rv ${store.resourceVersion}`));
    const lod = canvas?.lod();
    if (lod?.mode === "points") {
      const what = lod.why === "size" ? "large-graph mode" : lod.why === "software-webgl" ? "2D renderer (WebGL is software-rendered here)" : "2D renderer";
      parts.push(h("span", { class: "muted", "data-testid": "topo-lod", title: "Nodes drawn live; relations, frames and labels redrawn when the camera stops" }, ` · ${what}`));
      if (lod.edgesHidden) parts.push(h("span", { class: "muted" }, ` (${lod.edgesHidden})`));
    }
    if (loading) parts.push(h("span", { class: "muted" }, " · loading…"));
    if (store.confirmedAt && live.kind !== "open")
      parts.push(h("span", { class: "stale-marker", title: "Not receiving live updates" }, ` · stale: as of ${age(store.confirmedAt)} ago`));
    else if (store.confirmedAt) parts.push(h("span", { class: "live-marker" }, " · live"));
    replaceChildren(statusLine, ...parts);
  }

  async function renderIncident(): Promise<void> {
    incidentPanel.hidden = !state.incident;
    if (!state.incident) return;
    // Only the latest call writes: one started before the snapshot arrived could
    // otherwise finish last and list no failing objects.
    const seq = ++incidentSeq;
    replaceChildren(incidentPanel, h("h3", null, "Warning events"), h("p", { class: "muted" }, "Loading…"));
    try {
      const res = await ctx.api.events(state.cluster!, { type: "Warning", namespace: state.namespaces.length === 1 ? state.namespaces[0] : undefined, limit: 100 });
      if (seq !== incidentSeq) return;
      incidentEvents = (res.items ?? []).filter((e) => e.type === "Warning");
      const unhealthy = [...store.nodes.values()].filter(isUnhealthy);
      replaceChildren(
        incidentPanel,
        h("h3", null, `Failing objects (${unhealthy.length})`),
        h(
          "ul",
          { class: "incident-list" },
          unhealthy.slice(0, 50).map((n) =>
            h("li", null, h("button", { class: "link", type: "button", onclick: () => ctx.navigate({ selected: n.id }) }, h("span", { class: `status-text-${n.status}` }, n.reason || n.status), " ", n.id)),
          ),
        ),
        h("h3", null, `Warning events (${incidentEvents.length})`),
        h(
          "ul",
          { class: "incident-list" },
          incidentEvents.slice(0, 50).map((ev) =>
            h("li", null, h("button", { class: "link", type: "button", onclick: () => ctx.navigate({ selected: ev.object }) }, h("strong", null, ev.reason), " ", ev.object), h("div", { class: "muted small" }, ev.message)),
          ),
        ),
      );
    } catch (e) {
      if (seq !== incidentSeq) return;
      replaceChildren(incidentPanel, h("h3", null, "Warning events"), errorBanner(asApiError(e), [{ label: "Retry", run: () => void renderIncident() }], true));
    }
  }

  function showTooltip(id: string | null, x: number, y: number): void {
    if (!id) {
      tooltip.hidden = true;
      return;
    }
    const n = store.nodes.get(id);
    const a = canvas?.nodeAttrs(id) ?? null;
    if (!n && !a) return;
    const edges = n ? store.edgesOf(id) : [];
    const byType = new Map<string, number>();
    for (const e of edges) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    replaceChildren(
      tooltip,
      n
        ? [
            h("div", { class: "tt-title" }, h("span", { class: "glyph" }, kindGlyph(n.kind)), " ", h("strong", null, n.name)),
            h("div", null, n.kind, n.namespace ? ` · ${n.namespace}` : " · cluster-scoped"),
            h("div", null, "Status: ", h("span", { class: `status-text-${n.status}` }, n.status), n.reason ? ` · ${n.reason}` : null),
            byType.size ? h("div", { class: "muted" }, [...byType].map(([t, c]) => `${c} ${t}`).join(", ")) : null,
            n.missing?.length ? h("div", { class: "status-text-warning" }, `Missing: ${n.missing.join(", ")}`) : null,
            h("div", { class: "muted small" }, "Click for details"),
          ]
        : [h("strong", null, a!.label), h("div", { class: "muted small" }, "Click to expand")],
    );
    tooltip.style.left = `${x + 14}px`;
    tooltip.style.top = `${y + 14}px`;
    tooltip.hidden = false;
  }

  function cameraMoved(): void {
    if (cameraTimer) clearTimeout(cameraTimer);
    cameraTimer = setTimeout(() => {
      cameraTimer = null;
      const c = canvas?.getCamera();
      if (c) ctx.navigate({ camera: c }, { replace: true });
      renderStatus(); // the level of detail may have changed with the zoom
    }, 400);
  }

  // Keyboard on the graph: pan, zoom, reset, open selection.
  stage.addEventListener("keydown", (e) => {
    const step = 0.1;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const m = moves[e.key];
    if (m) canvas?.pan(m[0], m[1]);
    else if (e.key === "+" || e.key === "=") canvas?.zoom(1);
    else if (e.key === "-") canvas?.zoom(-1);
    else if (e.key === "0") canvas?.resetCamera();
    else if (e.key === "Enter" && state.selected) document.getElementById("detail-title")?.focus();
    else return;
    e.preventDefault();
  });

  const offLive = ctx.live.onState(() => renderStatus());
  const offTheme = ctx.onThemeChange((p) => {
    canvas?.setPalette(p);
    renderLegend();
  });
  const tick = setInterval(() => ctx.live.getState().kind !== "open" && renderStatus(), 1000);
  const ro = new ResizeObserver(() => canvas?.resize());
  ro.observe(stage);
  ctx.setSearchable(() => [...store.nodes.values()]);

  // Exposed for browser tests and benchmarks: the page's own data, not a copy.
  (window as unknown as { kubiliticsTopology?: unknown }).kubiliticsTopology = {
    nodes: () => [...store.nodes.keys()],
    edges: () => store.drawableEdges().map((e) => ({ source: e.source, target: e.target, type: e.type })),
    drawnNodes: () => canvas?.drawnNodes() ?? 0,
    drawnEdges: () => canvas?.drawnEdges() ?? 0,
    /** The renderer ("webgl" or "points", the large-graph mode) and its level of detail now. */
    mode: () => canvas?.mode ?? null,
    lod: () => canvas?.lod() ?? null,
    /** A node's position on the stage in pixels (tests click and hover it). */
    screenOf: (id: string) => canvas?.screenOf(id) ?? null,
    resourceVersion: () => store.resourceVersion,
    renders: () => canvas?.renders ?? 0,
    labelsDrawn: () => canvas?.labelsDrawn ?? 0,
    deltas: () => deltaCount,
    /** Moves the camera by a fraction of the view (benchmarks pan with it, as a drag does). */
    pan: (dx: number, dy: number) => canvas?.pan(dx, dy),
    camera: () => canvas?.getCamera() ?? null,
  };

  renderControls();
  renderStatus();
  void load();
  void renderIncident();

  return {
    el,
    update(next, prev) {
      state = next;
      if (scopeKey(next) !== scopeKey(prev)) {
        store.replace({ cluster: next.cluster!, resourceVersion: "", truncated: false, nodes: [], edges: [] });
        canvas?.kill();
        canvas = null;
        pendingDeltas = [];
        sub?.unsubscribe();
        sub = null;
        void load();
      } else {
        // Filters that change what is shown re-frame the camera on it.
        if (next.incident !== prev.incident || next.noise !== prev.noise) fitPending = true;
        refreshDisplay();
      }
      if (next.incident !== prev.incident || (next.incident && next.namespaces.join() !== prev.namespaces.join())) void renderIncident();
      // A camera in the URL that differs from the drawn one came from history or a link.
      const cam = canvas?.getCamera();
      if (next.camera && cam && next.camera !== prev.camera && !cameraTimer) {
        const far = Math.abs(cam.x - next.camera.x) + Math.abs(cam.y - next.camera.y) + Math.abs(cam.ratio - next.camera.ratio) > 2e-3;
        if (far) canvas!.setCamera(next.camera);
      }
      renderControls();
    },
    destroy() {
      loadAbort?.abort();
      if (flushFrame) cancelAnimationFrame(flushFrame);
      if (flushTimer) clearTimeout(flushTimer);
      sub?.unsubscribe();
      canvas?.kill();
      offLive();
      offTheme();
      clearInterval(tick);
      ro.disconnect();
      if (cameraTimer) clearTimeout(cameraTimer);
      if (incidentTimer) clearTimeout(incidentTimer);
      ctx.setSearchable(null);
      delete (window as unknown as { kubiliticsTopology?: unknown }).kubiliticsTopology;
    },
  };
}
