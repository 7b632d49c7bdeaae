// The application shell: header (cluster switcher, views, incident mode, live status,
// theme, palette), the current view, the detail panel, and the global banners for a
// lost connection. It owns the view state: the URL hash is its only store.

import { ApiClient } from "./api/http";
import { LiveClient, liveUrl, type ConnectionState } from "./api/ws";
import type { Ctx, Searchable, View } from "./context";
import { ClusterDirectory } from "./state/clusters";
import { decodeState, encodeState, type ViewState } from "./state/url-state";
import { age, h, replaceChildren } from "./ui/dom";
import { CommandPalette, type PaletteItem } from "./ui/palette";
import { applyTheme, preferredTheme, type Palette, type ThemeName } from "./ui/theme";
import { createClustersView } from "./views/clusters";
import { createDetailPanel, type DetailPanel } from "./views/detail";
import { createEventsView } from "./views/events";
import { createResourcesView } from "./views/resources";

const SHORTCUTS: [string, string][] = [
  ["Ctrl K", "Command palette: jump to any object"],
  ["/", "Search in the current view"],
  ["g c / g t / g r / g e", "Go to clusters / topology / resources / events"],
  ["i", "Toggle incident mode"],
  ["t", "Toggle dark / light theme"],
  ["w", "Resources: wide columns on / off (kubectl -o wide)"],
  ["f", "Focus the topology on the selected object"],
  ["s y e l", "Selected object: summary, YAML, events, logs"],
  ["Esc", "Close the detail panel or dialog"],
  ["?", "This help"],
];

/** A view whose code loads on first use; it shows a placeholder until then. */
function lazyView(load: () => Promise<(ctx: Ctx, s: ViewState) => View>, ctx: Ctx, s: ViewState): View {
  const el = h("div", { class: "view lazy-view" }, h("p", { class: "muted" }, "Loading…"));
  let inner: View | null = null;
  let dead = false;
  load()
    .then((create) => {
      if (dead) return;
      inner = create(ctx, ctx.state());
      el.replaceWith(inner.el);
    })
    .catch((e) => {
      replaceChildren(el, h("p", { class: "status-text-error" }, `Could not load this view: ${e instanceof Error ? e.message : String(e)}. Reload the page.`));
    });
  void s;
  return {
    get el() {
      return inner?.el ?? el;
    },
    update: (n, p) => inner?.update(n, p),
    destroy: () => {
      dead = true;
      inner?.destroy();
    },
  };
}

export class App {
  private state: ViewState;
  private view: View | null = null;
  private viewKey = "";
  private detail: DetailPanel | null = null;
  private lastHash = "";
  private theme: ThemeName;
  private palette: Palette;
  private themeListeners = new Set<(p: Palette) => void>();
  private searchable: (() => Searchable[]) | null = null;
  private pendingG = 0;
  readonly api: ApiClient;
  readonly live: LiveClient;
  readonly clusters: ClusterDirectory;
  readonly ctx: Ctx;
  private readonly cmd: CommandPalette;

  // Shell elements.
  private readonly main = h("main", { id: "main", tabindex: "-1" });
  private readonly aside = h("div", { class: "detail-slot" });
  private readonly liveBanner = h("div", { class: "live-banner", role: "status", hidden: true });
  private readonly liveIndicator = h("span", { class: "live-indicator", role: "status", "aria-live": "polite" });
  private readonly clusterSelect = h("select", { id: "cluster-switch", "aria-label": "Cluster" });
  private readonly nav = h("nav", { class: "main-nav", "aria-label": "Views" });
  private readonly incidentBtn = h("button", { class: "btn incident-btn", type: "button", "aria-pressed": "false", title: "Incident mode (i)" }, "Incident mode");
  private readonly themeBtn = h("button", { class: "btn btn-icon", type: "button", title: "Toggle theme (t)" });
  private readonly help = h("dialog", { class: "help", "aria-labelledby": "help-title" });

  constructor(root: HTMLElement) {
    this.api = new ApiClient();
    this.live = new LiveClient({ url: liveUrl(location) });
    this.clusters = new ClusterDirectory(this.api, this.live);
    this.theme = preferredTheme();
    this.palette = applyTheme(this.theme);
    this.state = decodeState(location.hash);
    this.ctx = {
      api: this.api,
      live: this.live,
      clusters: this.clusters,
      state: () => this.state,
      navigate: (p, o) => this.navigate(p, o),
      palette: () => this.palette,
      onThemeChange: (fn) => {
        this.themeListeners.add(fn);
        return () => this.themeListeners.delete(fn);
      },
      setSearchable: (s) => (this.searchable = s),
    };
    this.cmd = new CommandPalette({
      commands: () => this.commands(),
      objects: () => this.searchable?.() ?? [],
      openObject: (o) => this.navigate({ selected: o.id, tab: "summary", view: this.state.view === "clusters" ? "topology" : this.state.view }),
    });
    this.buildShell(root);
    window.addEventListener("hashchange", () => this.onHash());
    document.addEventListener("keydown", (e) => this.onKey(e));
    this.live.onState((s) => this.renderLive(s));
    this.clusters.onChange(() => this.renderHeader());
    setInterval(() => this.renderLive(this.live.getState()), 1000);
    this.live.start();
    void this.clusters.refresh();
    (window as unknown as { kubilitics: unknown }).kubilitics = {
      state: () => this.state,
      live: () => this.live.getState(),
      theme: () => this.theme,
    };
    this.render(null);
  }

  private buildShell(root: HTMLElement): void {
    this.incidentBtn.addEventListener("click", () => this.navigate({ incident: !this.state.incident }));
    this.themeBtn.addEventListener("click", () => this.toggleTheme());
    this.clusterSelect.addEventListener("change", () => this.switchCluster(this.clusterSelect.value));
    replaceChildren(
      this.help,
      h("h2", { id: "help-title" }, "Keyboard shortcuts"),
      h("table", { class: "mini-table" }, h("tbody", null, SHORTCUTS.map(([k, d]) => h("tr", null, h("th", null, h("kbd", null, k)), h("td", null, d))))),
      h("form", { method: "dialog" }, h("button", { class: "btn", type: "submit" }, "Close")),
    );
    replaceChildren(
      root,
      h("a", { class: "skip-link", href: "#main", onclick: (e: Event) => (e.preventDefault(), this.main.focus()) }, "Skip to content"),
      h(
        "header",
        { class: "app-header" },
        h("a", { class: "brand", href: "#/clusters", "aria-label": "Kubilitics: cluster list" }, "Kubilitics"),
        h("div", { class: "cluster-switch" }, this.clusterSelect),
        this.nav,
        h(
          "div",
          { class: "header-tools" },
          this.liveIndicator,
          this.incidentBtn,
          h("button", { class: "btn", type: "button", title: "Command palette (Ctrl-K)", onclick: () => this.cmd.open() }, "⌘K", h("span", { class: "sr-only" }, "Open command palette")),
          this.themeBtn,
          h("button", { class: "btn btn-icon", type: "button", "aria-label": "Keyboard shortcuts", onclick: () => this.help.showModal() }, "?"),
        ),
      ),
      this.liveBanner,
      h("div", { class: "body" }, this.main, this.aside),
      h("div", { id: "toasts", class: "toasts", "aria-live": "polite" }),
      this.help,
    );
  }

  navigate(patch: Partial<ViewState>, opts: { replace?: boolean } = {}): void {
    const next: ViewState = { ...this.state, ...patch };
    if (next.view === "object" && !next.selected) next.view = "topology";
    const hash = encodeState(next);
    this.lastHash = hash;
    if (hash !== location.hash) {
      if (opts.replace) history.replaceState(null, "", hash);
      else history.pushState(null, "", hash);
    }
    const prev = this.state;
    this.state = next;
    this.render(prev);
  }

  private onHash(): void {
    if (location.hash === this.lastHash) return;
    this.lastHash = location.hash;
    const prev = this.state;
    this.state = decodeState(location.hash);
    this.render(prev);
  }

  private switchCluster(id: string): void {
    if (!id) return this.navigate({ view: "clusters", cluster: null });
    // Keep namespaces, kinds and the view; drop what names objects of the old cluster.
    this.navigate({
      cluster: id,
      view: this.state.view === "clusters" || this.state.view === "object" ? "topology" : this.state.view,
      selected: null,
      focus: null,
      camera: null,
      collapsed: [],
    });
  }

  private render(prev: ViewState | null): void {
    const s = this.state;
    // The full object page is one object's: another object (a link on it, a new URL) gets a new page.
    const key = `${s.view}|${s.cluster ?? ""}|${s.view === "object" ? (s.selected ?? "") : ""}`;
    if (!this.view || key !== this.viewKey || !prev) {
      this.view?.destroy();
      this.view = this.createView(s);
      this.viewKey = key;
      replaceChildren(this.main, this.view.el);
    } else this.view.update(s, prev);

    // The side panel shows the selected object in every view but the full object page.
    const wantPanel = s.selected && s.cluster && s.view !== "clusters" && s.view !== "object" ? s.selected : null;
    if (this.detail && this.detail.id !== wantPanel) {
      this.detail.destroy();
      this.detail = null;
      replaceChildren(this.aside);
    }
    if (wantPanel && !this.detail) {
      this.detail = createDetailPanel(this.ctx, s, false);
      replaceChildren(this.aside, this.detail.el);
    } else this.detail?.update(s);
    document.body.classList.toggle("has-detail", !!this.detail);
    document.body.classList.toggle("incident", s.incident);
    this.renderHeader();
    document.title = [s.selected ? s.selected.split("/").pop() : null, s.cluster, "Kubilitics"].filter(Boolean).join(" · ");
  }

  private createView(s: ViewState): View {
    if (!s.cluster || s.view === "clusters") return createClustersView(this.ctx);
    switch (s.view) {
      case "resources":
        return createResourcesView(this.ctx, s);
      case "events":
        return createEventsView(this.ctx, s);
      case "object": {
        const panel = createDetailPanel(this.ctx, s, true);
        return { el: panel.el, update: (n) => panel.update(n), destroy: () => panel.destroy() };
      }
      default:
        // The graph renderer is the heavy part of the bundle: loaded only when needed.
        return lazyView(() => import("./views/topology").then((m) => m.createTopologyView), this.ctx, s);
    }
  }

  private renderHeader(): void {
    const s = this.state;
    const opts = [h("option", { value: "" }, "All clusters")];
    for (const c of this.clusters.clusters) opts.push(h("option", { value: c.id, selected: c.id === s.cluster }, `${c.name || c.id} (${c.status})`));
    if (s.cluster && !this.clusters.get(s.cluster)) opts.push(h("option", { value: s.cluster, selected: true }, s.cluster));
    replaceChildren(this.clusterSelect, ...opts);
    this.clusterSelect.value = s.cluster ?? "";
    const link = (view: ViewState["view"], label: string, key: string) => {
      const target: ViewState = { ...s, view, selected: view === "object" ? s.selected : s.selected, kind: view === "resources" ? (s.kind ?? "Pod") : s.kind };
      return h("a", { href: encodeState(target), "aria-current": s.view === view ? "page" : undefined, title: `${label} (g ${key})` }, label);
    };
    replaceChildren(
      this.nav,
      h("a", { href: "#/clusters", "aria-current": s.view === "clusters" || !s.cluster ? "page" : undefined, title: "Clusters (g c)" }, "Clusters"),
      s.cluster ? [link("topology", "Topology", "t"), link("resources", "Resources", "r"), link("events", "Events", "e")] : null,
    );
    this.incidentBtn.setAttribute("aria-pressed", String(s.incident));
    this.incidentBtn.classList.toggle("on", s.incident);
    this.themeBtn.textContent = this.theme === "dark" ? "☀" : "☾";
    this.themeBtn.setAttribute("aria-label", this.theme === "dark" ? "Switch to light theme" : "Switch to dark theme");
  }

  private renderLive(st: ConnectionState): void {
    const now = Date.now();
    if (st.kind === "open") {
      this.liveIndicator.className = "live-indicator ok";
      this.liveIndicator.textContent = "● Live";
      this.liveBanner.hidden = true;
      return;
    }
    if (st.kind === "connecting") {
      this.liveIndicator.className = "live-indicator warn";
      this.liveIndicator.textContent = st.attempt ? `Reconnecting (attempt ${st.attempt + 1})…` : "Connecting…";
      return;
    }
    const secs = Math.max(0, Math.ceil((st.retryAt - now) / 1000));
    this.liveIndicator.className = "live-indicator err";
    this.liveIndicator.textContent = "● Offline";
    this.liveBanner.hidden = false;
    replaceChildren(
      this.liveBanner,
      h("strong", null, "Live updates lost"),
      ` — ${st.lastError}. Data on screen is stale (last live ${age(st.downSince, now)} ago). Reconnecting in ${secs} s (attempt ${st.attempt}).`,
      " ",
      h("button", { class: "btn btn-small", type: "button", onclick: () => this.live.retryNow() }, "Retry now"),
    );
  }

  private toggleTheme(): void {
    this.theme = this.theme === "dark" ? "light" : "dark";
    this.palette = applyTheme(this.theme);
    for (const fn of this.themeListeners) fn(this.palette);
    this.renderHeader();
  }

  private commands(): PaletteItem[] {
    const s = this.state;
    const items: PaletteItem[] = [
      { label: "Go to clusters", hint: "g c", run: () => this.navigate({ view: "clusters", selected: null }) },
      { label: `${s.incident ? "Leave" : "Enter"} incident mode`, hint: "i", run: () => this.navigate({ incident: !s.incident }) },
      { label: `Switch to ${this.theme === "dark" ? "light" : "dark"} theme`, hint: "t", run: () => this.toggleTheme() },
      { label: "Keyboard shortcuts", hint: "?", run: () => this.help.showModal() },
    ];
    if (s.cluster) {
      items.push(
        { label: "Go to topology", hint: "g t", run: () => this.navigate({ view: "topology" }) },
        { label: "Go to resources", hint: "g r", run: () => this.navigate({ view: "resources", kind: s.kind ?? "Pod" }) },
        { label: "Go to events", hint: "g e", run: () => this.navigate({ view: "events" }) },
      );
    }
    for (const c of this.clusters.clusters) items.push({ label: `Cluster: ${c.name || c.id}`, hint: c.status, run: () => this.switchCluster(c.id) });
    return items;
  }

  private onKey(e: KeyboardEvent): void {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      this.cmd.open();
      return;
    }
    if (e.key === "Escape") {
      if (this.cmd.isOpen || this.help.open) return;
      if (this.state.selected && this.state.view !== "object") {
        this.navigate({ selected: null, tab: "summary" });
        this.main.focus();
      }
      return;
    }
    const t = e.target as HTMLElement | null;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey || this.cmd.isOpen || this.help.open) return;
    const s = this.state;
    if (this.pendingG && Date.now() - this.pendingG < 1500) {
      this.pendingG = 0;
      const views: Record<string, Partial<ViewState>> = {
        c: { view: "clusters", selected: null },
        t: { view: "topology" },
        r: { view: "resources", kind: s.kind ?? "Pod" },
        e: { view: "events" },
      };
      const v = views[e.key];
      if (v && (e.key === "c" || s.cluster)) {
        e.preventDefault();
        this.navigate(v);
        this.main.focus();
      }
      return;
    }
    const tabKeys: Record<string, ViewState["tab"]> = { s: "summary", y: "yaml", e: "events", l: "logs" };
    switch (e.key) {
      case "g":
        this.pendingG = Date.now();
        break;
      case "i":
        this.navigate({ incident: !s.incident });
        break;
      case "t":
        this.toggleTheme();
        break;
      case "w":
        if (s.view === "resources") this.navigate({ wide: !s.wide }, { replace: true });
        break;
      case "?":
        this.help.showModal();
        break;
      case "/": {
        const search = this.main.querySelector<HTMLInputElement>("input[type=search]");
        if (search) {
          e.preventDefault();
          search.focus();
        }
        break;
      }
      case "f":
        if (s.selected && s.cluster) this.navigate({ view: "topology", focus: s.selected });
        break;
      default: {
        const tab = tabKeys[e.key];
        if (tab && s.selected) this.navigate({ tab }, { replace: true });
      }
    }
  }
}
