// The resource browser: the cluster's own resource types (GET /clusters/{c}, CRDs
// included) in sections with their object counts, refreshed when the WebSocket reports a
// status change of the cluster; and one virtualised table of the chosen kind with the
// server's columns (its columnDefinitions: order, type, wide-only ones behind the "Wide"
// toggle — resource-columns.ts), sort, text filter and label selector. Pages are fetched with
// limit/continue until the list is complete; rows then stay live through a WebSocket
// subscription (status changes, additions, deletions).

import type { ApiError } from "../api/errors";
import type { ColumnDefinition, ResourceItem, TopoNode } from "../api/types";
import type { Ctx, View } from "../context";
import type { ViewState } from "../state/url-state";
import { age, ageOf, h, replaceChildren } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";
import { bareKind, type BrowserSection, type BrowserType, findType, groupResourceTypes } from "../ui/kinds";
import { toneOf } from "../ui/status";
import { type Column, VirtualTable } from "../ui/virtual-table";
import { cellText, type ColumnPlan, type ColumnSpec, columnWidth, compareSortValues, planColumns, renderCell, sortCell } from "./resource-columns";

const PAGE = 1000;
/** Cluster messages come in bursts (every type relisting): one catalogue refetch per burst. */
const CATALOGUE_DEBOUNCE_MS = 500;

/** Sorting by status puts failing rows first. */
function toneRank(status: string | undefined): number {
  const t = toneOf(status);
  return t === "error" ? 0 : t === "warning" ? 1 : t === "unknown" ? 2 : 3;
}

/** "1 Pod", "3 Ingresses", "2 NetworkPolicies". */
function kindNoun(kind: string, n: number): string {
  if (n === 1) return kind;
  if (/(s|x|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}

const AGE_SPEC: ColumnSpec = { name: "AGE", type: "date", priority: 0, role: "age" };

export function createResourcesView(ctx: Ctx, initial: ViewState): View {
  let state = initial;
  let items: ResourceItem[] = [];
  // The kind's columns as the server defines them (null: an older server; guessed from rows).
  let columnDefs: ColumnDefinition[] | null = null;
  let plan: ColumnPlan | null = null;
  const byId = new Map<string, ResourceItem>();
  let error: ApiError | null = null;
  let loading = false;
  let complete = false;
  let abort: AbortController | null = null;
  let sub: ReturnType<Ctx["live"]["subscribe"]> | null = null;
  let confirmedAt = 0;
  let listedKind = "";
  // Rows whose status changed in a delta: refetched one by one for the full columns.
  const dirty = new Set<string>();
  let dirtyTimer: ReturnType<typeof setTimeout> | null = null;
  // The cluster's resource types; nothing is shown in their place while unknown or failed.
  let sections: BrowserSection[] = [];
  let catalogueError: ApiError | null = null;
  let catalogueLoaded = false;
  let catalogueAbort: AbortController | null = null;
  let catalogueTimer: ReturnType<typeof setTimeout> | null = null;

  const nav = h("nav", { class: "kind-nav", "aria-label": "Resource kinds" });
  const kindSelect = h("select", { class: "kind-select", "aria-label": "Resource kind" });
  const nsInput = h("input", { id: "res-ns", placeholder: "all namespaces", autocomplete: "off" });
  const labelInput = h("input", { id: "res-labels", placeholder: "app=web", autocomplete: "off", spellcheck: false });
  const filterInput = h("input", { id: "res-filter", type: "search", placeholder: "name, status, column…", autocomplete: "off" });
  const wideInput = h("input", { id: "res-wide", type: "checkbox" });
  const wideHint = h("span", { class: "muted small", "data-testid": "wide-hint" });
  const info = h("div", { class: "status-line", "aria-live": "polite" });
  const banner = h("div", { class: "banner-slot" });
  const table = new VirtualTable<ResourceItem>({
    label: "Resources",
    rowKey: (r) => r.id,
    onOpen: (r) => ctx.navigate({ selected: r.id }),
    onSort: (key) => ctx.navigate({ sort: key, desc: state.sort === key ? !state.desc : false }, { replace: true }),
  });
  const el = h(
    "section",
    { class: "view view-resources", "aria-label": "Resources" },
    nav,
    h(
      "div",
      { class: "resources-main" },
      h(
        "form",
        { class: "toolbar", role: "search", "aria-label": "Filter resources", onsubmit: (e: Event) => e.preventDefault() },
        h("div", { class: "field phone-only" }, h("span", { class: "label" }, "Kind"), kindSelect),
        h("div", { class: "field" }, h("label", { for: "res-ns" }, "Namespace"), nsInput),
        h("div", { class: "field" }, h("label", { for: "res-labels" }, "Label selector"), labelInput),
        h("div", { class: "field grow" }, h("label", { for: "res-filter" }, "Filter"), filterInput),
        h(
          "div",
          { class: "field field-check", title: "Also the columns kubectl shows only with -o wide (key w)" },
          h("label", { for: "res-wide" }, wideInput, " Wide"),
          wideHint,
        ),
      ),
      banner,
      table.el,
      info,
    ),
  );

  const apply = () => ctx.navigate({ namespaces: nsInput.value.split(",").map((s) => s.trim()).filter(Boolean), labelSelector: labelInput.value.trim() });
  nsInput.addEventListener("change", apply);
  nsInput.addEventListener("keydown", (e) => e.key === "Enter" && apply());
  labelInput.addEventListener("change", apply);
  labelInput.addEventListener("keydown", (e) => e.key === "Enter" && apply());
  filterInput.addEventListener("input", () => ctx.navigate({ search: filterInput.value }, { replace: true }));
  wideInput.addEventListener("change", () => ctx.navigate({ wide: wideInput.checked }, { replace: true }));
  kindSelect.addEventListener("change", () => ctx.navigate({ kind: kindSelect.value, selected: null, sort: null }));

  const countText = (t: BrowserType): string => (t.objects === null ? (t.forbidden ? "" : "…") : t.objects.toLocaleString());

  function navEntry(t: BrowserType, current: BrowserType | null): HTMLElement {
    const name = h("span", { class: "kind-name" }, t.kind, t.groupHint ? h("span", { class: "kind-hint" }, t.groupHint) : null);
    if (t.forbidden)
      return h(
        "span",
        { class: "kind-entry kind-off", "aria-disabled": "true", title: t.note, dataset: { ref: t.ref } },
        name,
        h("span", { class: "sr-only" }, ` (${t.note})`),
      );
    const count = countText(t);
    return h(
      "a",
      {
        class: "kind-entry",
        href: `#/c/${encodeURIComponent(state.cluster!)}/resources/${encodeURIComponent(t.ref)}`,
        "aria-current": t === current ? "page" : undefined,
        title: t.note || `${t.ref}: ${count} object${t.objects === 1 ? "" : "s"}`,
        dataset: { ref: t.ref },
      },
      name,
      h("span", { class: "kind-count", dataset: { testid: "kind-count" } }, count),
    );
  }

  function renderNav(): void {
    const wanted = state.kind ?? "Pod";
    const current = findType(sections, wanted);
    let body: HTMLElement | HTMLElement[];
    if (catalogueError) body = errorBanner(catalogueError, [{ label: "Retry", run: () => void loadCatalogue() }], true);
    else if (!catalogueLoaded) body = h("p", { class: "muted" }, "Loading resource types…");
    else if (!sections.length) body = h("p", { class: "muted" }, "The cluster reports no resource types.");
    else
      body = sections.map((g) =>
        h("div", { class: "kind-group" }, h("h3", null, g.name), h("ul", null, g.types.map((t) => h("li", null, navEntry(t, current))))),
      );
    replaceChildren(nav, body);
    replaceChildren(
      kindSelect,
      // A kind the catalogue does not list (yet) stays the selected option rather than
      // silently showing another one.
      current ? null : h("option", { value: wanted, selected: true }, wanted),
      sections.map((g) =>
        h(
          "optgroup",
          { label: g.name },
          g.types.map((t) => {
            const count = countText(t);
            const label = `${t.kind}${t.groupHint ? ` (${t.groupHint})` : ""}${t.forbidden ? " — not listable" : count ? ` · ${count}` : ""}`;
            return h("option", { value: t.ref, selected: t === current, disabled: t.forbidden, title: t.note || undefined }, label);
          }),
        ),
      ),
    );
  }

  async function loadCatalogue(): Promise<void> {
    catalogueAbort?.abort();
    const ac = new AbortController();
    catalogueAbort = ac;
    try {
      const detail = await ctx.api.cluster(state.cluster!, ac.signal);
      if (ac.signal.aborted) return;
      sections = groupResourceTypes(detail.types ?? []);
      catalogueError = null;
    } catch (e) {
      if (ac.signal.aborted) return;
      sections = [];
      catalogueError = asApiError(e);
    }
    catalogueLoaded = true;
    renderNav();
  }

  function scheduleCatalogue(): void {
    if (catalogueTimer) return;
    catalogueTimer = setTimeout(() => {
      catalogueTimer = null;
      void loadCatalogue();
    }, CATALOGUE_DEBOUNCE_MS);
  }

  function columns(): Column<ResourceItem>[] {
    const p = planColumns(columnDefs, items, state.wide);
    plan = p;
    const statusSpec = p.shown.find((c) => c.role === "status") ?? null;
    const cols: Column<ResourceItem>[] = [
      { key: "name", label: "Name", width: "minmax(14rem, 3fr)", render: (r) => r.name, sortValue: (r) => r.name },
      { key: "namespace", label: "Namespace", width: "minmax(7rem, 1fr)", render: (r) => r.namespace || "—", sortValue: (r) => r.namespace },
    ];
    // Without a STATUS column of its own (ConfigMaps, most custom resources) the kind
    // still gets one: the server's summarised status, which incident mode filters on.
    if (!statusSpec)
      cols.push({
        key: "status",
        label: "Status",
        width: "minmax(7rem, 1fr)",
        render: (r) => h("span", { class: `status-text-${toneOf(r.status)}`, title: r.status }, r.status || "—"),
        sortValue: (r) => `${toneRank(r.status)}${r.status ?? ""}`,
      });
    for (const spec of p.shown) {
      const title = [spec.description, spec.priority > 0 ? "wide column (kubectl -o wide)" : ""].filter(Boolean).join(" · ") || undefined;
      if (spec.role === "status") {
        // kubectl's words (CrashLoopBackOff), coloured by the summarised status; failing rows sort first.
        cols.push({
          key: "status",
          label: "Status",
          width: "minmax(8rem, 1.2fr)",
          title,
          render: (r) => {
            const text = renderCell(spec, r);
            return h("span", { class: `status-text-${toneOf(r.status)}`, title: r.status }, text || r.status || "—");
          },
          sortValue: (r) => `${toneRank(r.status)}${renderCell(spec, r) || (r.status ?? "")}`,
        });
        continue;
      }
      const numeric = spec.role === "age" || ["integer", "number", "date"].includes(spec.type);
      cols.push({
        key: spec.role === "age" ? "age" : `c:${spec.name}`,
        label: spec.role === "age" ? "Age" : spec.name,
        width: columnWidth(spec),
        title,
        align: numeric ? "end" : undefined,
        render: (r) => renderCell(spec, r),
        sortValue: (r) => sortCell(spec, r),
      });
    }
    // A server without definitions and rows without an AGE cell still show one.
    if (!cols.some((c) => c.key === "age"))
      cols.push({ key: "age", label: "Age", width: "5.5rem", align: "end", render: (r) => renderCell(AGE_SPEC, r), sortValue: (r) => sortCell(AGE_SPEC, r) });
    return cols;
  }

  function visibleRows(cols: Column<ResourceItem>[]): ResourceItem[] {
    const q = state.search.trim().toLowerCase();
    let rows = items;
    if (state.incident) rows = rows.filter((r) => toneOf(r.status) !== "ok");
    if (q)
      rows = rows.filter(
        (r) => r.name.toLowerCase().includes(q) || r.namespace.toLowerCase().includes(q) || (r.status ?? "").toLowerCase().includes(q) || Object.values(r.columns ?? {}).some((v) => cellText(v).toLowerCase().includes(q)),
      );
    const col = cols.find((c) => c.key === state.sort);
    if (col?.sortValue) {
      const sv = col.sortValue;
      const dir = state.desc ? -1 : 1;
      rows = [...rows].sort((a, b) => compareSortValues(sv(a), sv(b)) * dir);
    }
    return rows;
  }

  function render(): void {
    const cols = columns();
    if (cols.map((c) => c.key).join() !== table.columnKeys.join() || table.sort.key !== state.sort || table.sort.desc !== state.desc) table.setColumns(cols, state.sort, state.desc);
    const rows = visibleRows(cols);
    table.setRows(rows, state.selected);
    wideInput.checked = state.wide;
    const wideCount = plan ? (state.wide ? plan.shown.filter((c) => c.priority > 0).length : plan.hidden.length) : 0;
    wideHint.textContent = wideCount ? (state.wide ? `${wideCount} wide column${wideCount === 1 ? "" : "s"} shown` : `+${wideCount} column${wideCount === 1 ? "" : "s"}`) : "";
    const live = ctx.live.getState().kind === "open";
    replaceChildren(
      info,
      h("span", { "data-testid": "row-count" }, `${rows.length.toLocaleString()} of ${items.length.toLocaleString()} ${kindNoun(bareKind(listedKind || state.kind || "Pod"), items.length)}`),
      loading ? h("span", { class: "muted" }, complete ? "" : " · loading more…") : null,
      confirmedAt && !live ? h("span", { class: "stale-marker" }, ` · stale: as of ${age(confirmedAt)} ago`) : confirmedAt ? h("span", { class: "live-marker" }, " · live") : null,
    );
    replaceChildren(banner, error ? errorBanner(error, [{ label: "Retry", run: () => void load() }]) : null);
  }

  async function load(): Promise<void> {
    abort?.abort();
    sub?.unsubscribe();
    sub = null;
    const ac = new AbortController();
    abort = ac;
    items = [];
    byId.clear();
    columnDefs = null;
    error = null;
    loading = true;
    complete = false;
    render();
    const kind = state.kind ?? "Pod";
    let cont: string | null = null;
    let rv = "";
    try {
      do {
        const page = await ctx.api.resources(
          state.cluster!,
          kind,
          { namespace: state.namespaces.length === 1 ? state.namespaces[0] : undefined, labelSelector: state.labelSelector || undefined, limit: PAGE, continue: cont },
          ac.signal,
        );
        if (ac.signal.aborted) return;
        if (Array.isArray(page.columnDefinitions)) columnDefs = page.columnDefinitions;
        for (const it of page.items ?? []) {
          if (state.namespaces.length > 1 && !state.namespaces.includes(it.namespace)) continue;
          if (!byId.has(it.id)) items.push(it);
          byId.set(it.id, it);
        }
        if (!listedKind) listedKind = page.kind || items[0]?.kind || "";
        cont = page.continue || null;
        rv = page.resourceVersion || rv;
        confirmedAt = Date.now();
        render();
      } while (cont);
      complete = true;
      subscribe(rv);
    } catch (e) {
      if (ac.signal.aborted) return;
      error = asApiError(e);
    } finally {
      if (abort === ac) {
        loading = false;
        render();
      }
    }
  }

  function matchesKind(n: TopoNode): boolean {
    const want = bareKind(listedKind || state.kind || "Pod").toLowerCase();
    return bareKind(n.kind).toLowerCase() === want;
  }

  /** Refetches changed rows by name so their columns stay the server's, not guessed. */
  async function refreshDirty(): Promise<void> {
    dirtyTimer = null;
    const ids = [...dirty].slice(0, 25);
    for (const id of ids) dirty.delete(id);
    const kind = state.kind ?? "Pod";
    await Promise.all(
      ids.map(async (id) => {
        const prev = byId.get(id);
        if (!prev) return;
        try {
          const page = await ctx.api.resources(state.cluster!, kind, { namespace: prev.namespace || undefined, fieldSelector: `metadata.name=${prev.name}`, limit: 1 });
          const fresh = (page.items ?? []).find((x) => x.id === id);
          const cur = byId.get(id);
          if (!fresh || !cur) return;
          byId.set(id, fresh);
          items[items.indexOf(cur)] = fresh;
        } catch {
          // The row keeps its last known values; the next full list corrects it.
        }
      }),
    );
    render();
    if (dirty.size && !dirtyTimer) dirtyTimer = setTimeout(() => void refreshDirty(), 300);
  }

  function subscribe(rv: string): void {
    sub = ctx.live.subscribe(
      { cluster: state.cluster!, namespace: state.namespaces.length ? state.namespaces.join(",") : null, focus: null, kinds: [state.kind ?? "Pod"] },
      rv,
      {
        onDelta: (d) => {
          let changed = false;
          for (const n of d.nodes?.upsert ?? []) {
            if (!matchesKind(n)) continue;
            const prev = byId.get(n.id);
            if (prev) {
              dirty.add(n.id);
            } else if (!state.labelSelector) {
              // A new object: shown with what the delta says until the next list.
              const it: ResourceItem = { id: n.id, kind: n.kind, namespace: n.namespace, name: n.name, uid: "", created: new Date().toISOString(), status: n.status, columns: {} };
              byId.set(n.id, it);
              items.push(it);
              changed = true;
            }
          }
          for (const r of d.nodes?.remove ?? []) {
            const id = typeof r === "string" ? r : r.id;
            const prev = byId.get(id);
            if (prev) {
              byId.delete(id);
              items.splice(items.indexOf(prev), 1);
              changed = true;
            }
          }
          confirmedAt = Date.now();
          if (changed) render();
          if (dirty.size && !dirtyTimer) dirtyTimer = setTimeout(() => void refreshDirty(), 300);
        },
        onResync: () => void load(),
      },
    );
  }

  let socketWasDown = false;
  const offLive = ctx.live.onState((st) => {
    // Cluster messages missed while the socket was down: refetch once it is back.
    if (st.kind === "waiting") socketWasDown = true;
    if (st.kind === "open" && socketWasDown) {
      socketWasDown = false;
      scheduleCatalogue();
    }
    render();
  });
  const offCluster = ctx.live.onCluster((m) => m.id === state.cluster && scheduleCatalogue());
  const tick = setInterval(() => ctx.live.getState().kind !== "open" && render(), 1000);
  ctx.setSearchable(() => items);
  renderNav();
  void loadCatalogue();
  nsInput.value = state.namespaces.join(",");
  labelInput.value = state.labelSelector;
  filterInput.value = state.search;
  void load();

  (window as unknown as { kubiliticsResources?: unknown }).kubiliticsResources = {
    total: () => items.length,
    complete: () => complete,
    /** The table's column headers as shown, and the server's definitions they came from. */
    columns: () => table.columnLabels,
    columnDefinitions: () => columnDefs,
  };

  return {
    el,
    update(next, prev) {
      state = next;
      if (next.kind !== prev.kind || next.namespaces.join() !== prev.namespaces.join() || next.labelSelector !== prev.labelSelector) {
        listedKind = "";
        renderNav();
        // Fresh counts for the kind just opened, so the nav agrees with the table.
        if (next.kind !== prev.kind) scheduleCatalogue();
        void load();
      } else render();
      if (document.activeElement !== filterInput) filterInput.value = next.search;
    },
    destroy() {
      abort?.abort();
      sub?.unsubscribe();
      if (dirtyTimer) clearTimeout(dirtyTimer);
      catalogueAbort?.abort();
      if (catalogueTimer) clearTimeout(catalogueTimer);
      offLive();
      offCluster();
      clearInterval(tick);
      ctx.setSearchable(null);
      delete (window as unknown as { kubiliticsResources?: unknown }).kubiliticsResources;
    },
  };
}
