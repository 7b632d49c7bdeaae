// The detail panel (or full page on phones and shared links) of one object: summary
// from the live object, read-only YAML (Secret values arrive redacted from the server),
// the object's events, logs for pods and workloads, CPU/memory sparklines when the
// cluster has metrics (and the last hour from its Prometheus, prom-history.ts), and its neighbourhood in the topology — each linked by object ID.

import { parseObjectId } from "../api/http";
import type { KubeEvent, Topology } from "../api/types";
import type { Ctx } from "../context";
import type { DetailTab, ViewState } from "../state/url-state";
import { ageOf, copyText, h, replaceChildren, toast } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";
import { bareKind, kindGlyph } from "../ui/kinds";
import { toneOf } from "../ui/status";
import { toYaml } from "../ui/yaml";
import { createLogsPanel, type LogsPanel } from "./logs";
import { sparkline, startMetrics } from "./metrics";
import { startHistory } from "./prom-history";

const LOG_KINDS = new Set(["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"]);

export interface DetailPanel {
  el: HTMLElement;
  id: string;
  update(state: ViewState): void;
  destroy(): void;
}

type Obj = Record<string, unknown>;

function get(o: unknown, ...path: string[]): unknown {
  let cur = o;
  for (const p of path) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Obj)[p];
  }
  return cur;
}

export function objectLink(ctx: Ctx, id: string, label?: string): HTMLElement {
  return h("button", { class: "link obj-link", type: "button", onclick: () => ctx.navigate({ selected: id, tab: "summary" }) }, h("span", { class: "glyph" }, kindGlyph(parseObjectId(id).kind)), " ", label ?? id);
}

export function createDetailPanel(ctx: Ctx, state: ViewState, fullPage: boolean): DetailPanel {
  const id = state.selected!;
  const cluster = state.cluster!;
  const { kind, namespace, name } = parseObjectId(id);
  const tabs: DetailTab[] = LOG_KINDS.has(bareKind(kind)) ? ["summary", "yaml", "events", "logs", "topology"] : ["summary", "yaml", "events", "topology"];
  const tabButtons = new Map<DetailTab, HTMLButtonElement>();
  const tabList = h("div", { class: "tabs", role: "tablist", "aria-label": "Object details" });
  const body = h("div", { class: "tab-body", role: "tabpanel", tabindex: "0" });
  const title = h("h2", { id: "detail-title", tabindex: "-1" }, h("span", { class: "glyph" }, kindGlyph(kind)), " ", name || id);
  const close = h("button", { class: "btn btn-icon", type: "button", "aria-label": "Close details (Escape)", onclick: () => ctx.navigate({ selected: null, tab: "summary", view: fullPage ? "topology" : ctx.state().view }) }, "✕");
  const el = h(
    "aside",
    { class: `detail ${fullPage ? "detail-page" : "detail-panel"}`, "aria-labelledby": "detail-title", "data-object": id },
    h(
      "header",
      { class: "detail-head" },
      h("div", null, title, h("div", { class: "muted small" }, bareKind(kind), namespace ? ` · ${namespace}` : " · cluster-scoped")),
      h(
        "div",
        { class: "detail-actions" },
        h("button", { class: "btn btn-small", type: "button", onclick: () => ctx.navigate({ view: "topology", focus: id, selected: id }) }, "Focus in topology"),
        fullPage ? null : h("button", { class: "btn btn-small", type: "button", onclick: () => ctx.navigate({ view: "object" }) }, "Full page"),
        h("button", { class: "btn btn-small", type: "button", onclick: async () => toast((await copyText(id)) ? "Object ID copied" : "Copy failed") }, "Copy ID"),
        close,
      ),
    ),
    tabList,
    body,
  );

  for (const t of tabs) {
    const b = h("button", {
      class: "tab",
      type: "button",
      role: "tab",
      id: `tab-${t}`,
      "aria-controls": "detail-body",
      onclick: () => ctx.navigate({ tab: t }, { replace: true }),
    }, t === "yaml" ? "YAML" : t[0]!.toUpperCase() + t.slice(1));
    tabButtons.set(t, b);
    tabList.appendChild(b);
  }
  body.id = "detail-body";
  tabList.addEventListener("keydown", (e) => {
    const i = tabs.indexOf(currentTab);
    const next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i - 1 + tabs.length) % tabs.length] : null;
    if (next) {
      ctx.navigate({ tab: next }, { replace: true });
      tabButtons.get(next)?.focus();
      e.preventDefault();
    }
  });

  let obj: Obj | null = null;
  let objError: unknown = null;
  let objPromise: Promise<void> | null = null;
  let currentTab: DetailTab = "summary";
  let logs: LogsPanel | null = null;
  let stopMetrics: (() => void) | null = null;
  let token = 0;

  function loadObject(): Promise<void> {
    objPromise ??= ctx.api
      .object(cluster, id)
      .then((o) => {
        obj = o;
        objError = null;
      })
      .catch((e) => {
        objError = e;
        objPromise = null;
      });
    return objPromise;
  }

  async function show(tab: DetailTab): Promise<void> {
    const my = ++token;
    currentTab = tabs.includes(tab) ? tab : "summary";
    for (const [t, b] of tabButtons) {
      b.setAttribute("aria-selected", String(t === currentTab));
      b.tabIndex = t === currentTab ? 0 : -1;
    }
    body.setAttribute("aria-labelledby", `tab-${currentTab}`);
    logs?.destroy();
    logs = null;
    stopMetrics?.();
    stopMetrics = null;
    replaceChildren(body, h("p", { class: "muted" }, "Loading…"));
    if (currentTab === "events") return showEvents(my);
    if (currentTab === "topology") return showNeighbours(my);
    await loadObject();
    if (my !== token) return;
    if (objError && currentTab !== "logs") {
      replaceChildren(body, errorBanner(asApiError(objError), [{ label: "Retry", run: () => void show(currentTab) }]));
      return;
    }
    if (currentTab === "yaml") {
      replaceChildren(
        body,
        h("div", { class: "yaml-actions" }, h("button", { class: "btn btn-small", type: "button", onclick: async () => toast((await copyText(toYaml(obj))) ? "YAML copied" : "Copy failed") }, "Copy YAML"), h("span", { class: "muted small" }, "Read-only. Secret values are redacted by the server.")),
        h("pre", { class: "yaml", "data-testid": "yaml", tabindex: "0", "aria-label": "YAML" }, toYaml(obj)),
      );
    } else if (currentTab === "logs") {
      logs = createLogsPanel(ctx, cluster, id, obj);
      replaceChildren(body, logs.el);
    } else showSummary();
  }

  function showSummary(): void {
    const o = obj ?? {};
    const labels = (get(o, "metadata", "labels") ?? {}) as Record<string, string>;
    const owners = (get(o, "metadata", "ownerReferences") ?? []) as { kind: string; name: string; apiVersion?: string }[];
    const conditions = (get(o, "status", "conditions") ?? []) as { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
    const containers = (get(o, "status", "containerStatuses") ?? []) as { name: string; image?: string; ready?: boolean; restartCount?: number; state?: Obj }[];
    const phase = (get(o, "status", "phase") as string | undefined) ?? null;
    const nodeName = get(o, "spec", "nodeName") as string | undefined;
    // What kubectl's STATUS column would say: a waiting or terminated container's reason
    // (CrashLoopBackOff, ImagePullBackOff, OOMKilled) wins over the pod phase.
    let problem: string | null = null;
    for (const c of containers) {
      const st = c.state ?? {};
      const reason = (get(st, "waiting", "reason") ?? get(st, "terminated", "reason")) as string | undefined;
      if (reason && reason !== "Completed") problem ??= `${reason} (${c.name}, ${c.restartCount ?? 0} restarts)`;
    }
    const metricsBox = h("div", { class: "metrics" });
    const historyBox = h("div", { class: "history-box" });
    const usage = bareKind(kind) === "Pod" || bareKind(kind) === "Node";
    const ownerId = (r: { kind: string; name: string; apiVersion?: string }) => {
      const group = r.apiVersion && r.apiVersion.includes("/") ? `.${r.apiVersion.split("/")[0]}` : "";
      return `${r.kind}${group}/${namespace}/${r.name}`;
    };
    replaceChildren(
      body,
      h(
        "dl",
        { class: "facts" },
        h("div", null, h("dt", null, "ID"), h("dd", null, h("code", null, id))),
        problem ? h("div", null, h("dt", null, "Status"), h("dd", null, h("strong", { class: `status-text-${toneOf(problem)}` }, problem))) : null,
        phase ? h("div", null, h("dt", null, "Phase"), h("dd", null, h("span", { class: `status-text-${toneOf(phase)}` }, phase))) : null,
        h("div", null, h("dt", null, "Created"), h("dd", null, `${ageOf(get(o, "metadata", "creationTimestamp") as string)} ago`)),
        nodeName ? h("div", null, h("dt", null, "Node"), h("dd", null, objectLink(ctx, `Node//${nodeName}`, nodeName))) : null,
        owners.length ? h("div", null, h("dt", null, "Owned by"), h("dd", null, owners.map((r) => objectLink(ctx, ownerId(r), `${r.kind} ${r.name}`)))) : null,
      ),
      Object.keys(labels).length
        ? h("section", null, h("h3", null, "Labels"), h("ul", { class: "chips" }, Object.entries(labels).map(([k, v]) => h("li", { class: "chip" }, `${k}=${v}`))))
        : null,
      containers.length
        ? h(
            "section",
            null,
            h("h3", null, "Containers"),
            h(
              "table",
              { class: "mini-table" },
              h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Ready"), h("th", null, "Restarts"), h("th", null, "State"))),
              h(
                "tbody",
                null,
                containers.map((c) => {
                  const st = Object.keys(c.state ?? {})[0] ?? "unknown";
                  const reason = get(c.state, st, "reason") as string | undefined;
                  return h("tr", null, h("td", null, c.name), h("td", { class: c.ready ? "status-text-ok" : "status-text-warning" }, c.ready ? "yes" : "no"), h("td", { class: "num" }, String(c.restartCount ?? 0)), h("td", { class: `status-text-${toneOf(reason ?? st)}` }, reason ?? st));
                }),
              ),
            ),
          )
        : null,
      conditions.length
        ? h(
            "section",
            null,
            h("h3", null, "Conditions"),
            h(
              "table",
              { class: "mini-table" },
              h("thead", null, h("tr", null, h("th", null, "Type"), h("th", null, "Status"), h("th", null, "Reason"), h("th", null, "Since"))),
              h("tbody", null, conditions.map((c) => h("tr", { title: c.message ?? "" }, h("td", null, c.type), h("td", { class: c.status === "True" ? "status-text-ok" : "status-text-warning" }, c.status), h("td", null, c.reason ?? ""), h("td", null, ageOf(c.lastTransitionTime))))),
            ),
          )
        : null,
      usage ? h("section", { class: "usage" }, h("h3", null, "Usage"), metricsBox, historyBox) : null,
    );
    if (usage) startUsage(metricsBox, historyBox);
  }

  /**
   * metrics.k8s.io sparklines (now), and with a Prometheus the last hour from its named
   * queries beside them; without metrics.k8s.io, Prometheus alone says nothing is missing.
   */
  function startUsage(metricsBox: HTMLElement, historyBox: HTMLElement): void {
    const k = bareKind(kind);
    let stopHistory: (() => void) | null = null;
    let stopped = false;
    let hasProm = false;
    const stopNow = startMetrics(ctx, cluster, k === "Pod" ? "pods" : "nodes", namespace, name, metricsBox, sparkline, () => {
      // No metrics server: say so only when there is no Prometheus to show instead.
      if (hasProm) replaceChildren(metricsBox, null);
      else replaceChildren(metricsBox, h("p", { class: "muted" }, "This cluster has no metrics server, so there is no CPU or memory usage."));
    });
    stopMetrics = () => {
      stopped = true;
      stopNow();
      stopHistory?.();
    };
    void (async () => {
      // A link opened directly: the cluster list may not be there yet.
      if (!ctx.clusters.loaded) await ctx.clusters.refresh();
      if (stopped || ctx.clusters.get(cluster)?.prometheus !== true) return;
      hasProm = true;
      if (metricsBox.querySelector("p.muted") && /no metrics server/.test(metricsBox.textContent ?? "")) replaceChildren(metricsBox, null);
      replaceChildren(historyBox, h("h4", { class: "history-title" }, "Last hour (Prometheus)"), h("div", { class: "history-charts", "data-testid": "prom-history" }));
      stopHistory = startHistory(ctx.api, cluster, k, namespace, name, historyBox.lastElementChild as HTMLElement);
    })();
  }

  async function showEvents(my: number): Promise<void> {
    let items: KubeEvent[];
    try {
      items = (await ctx.api.events(cluster, { object: id, limit: 200 })).items ?? [];
    } catch (e) {
      if (my === token) replaceChildren(body, errorBanner(asApiError(e), [{ label: "Retry", run: () => void show("events") }]));
      return;
    }
    if (my !== token) return;
    replaceChildren(body, items.length ? eventList(items, false, ctx) : h("p", { class: "empty" }, "No events for this object."));
  }

  async function showNeighbours(my: number): Promise<void> {
    let t: Topology;
    try {
      t = await ctx.api.topology(cluster, { focus: id, depth: 1 });
    } catch (e) {
      if (my === token) replaceChildren(body, errorBanner(asApiError(e), [{ label: "Retry", run: () => void show("topology") }]));
      return;
    }
    if (my !== token) return;
    const rows = t.edges
      .filter((e) => e.source === id || e.target === id)
      .map((e) => ({ dir: e.source === id ? "→" : "←", other: e.source === id ? e.target : e.source, type: e.type }));
    const status = new Map(t.nodes.map((n) => [n.id, n.status]));
    const missing = t.nodes.find((n) => n.id === id)?.missing ?? [];
    replaceChildren(
      body,
      h("p", null, h("button", { class: "btn btn-small", type: "button", onclick: () => ctx.navigate({ view: "topology", focus: id, depth: 2, selected: id }) }, "Open focused topology (2 hops)")),
      rows.length
        ? h("table", { class: "mini-table" }, h("thead", null, h("tr", null, h("th", null, "Relation"), h("th", null, "Object"), h("th", null, "Status"))),
            h("tbody", null, rows.map((r) => h("tr", null, h("td", null, `${r.dir} ${r.type}`), h("td", null, objectLink(ctx, r.other)), h("td", { class: `status-text-${toneOf(status.get(r.other))}` }, status.get(r.other) ?? "")))))
        : h("p", { class: "empty" }, "No related objects."),
      missing.length ? h("section", null, h("h3", null, "Missing references"), h("ul", null, missing.map((m) => h("li", { class: "status-text-warning" }, m)))) : null,
    );
  }

  void show(state.tab);
  setTimeout(() => title.focus(), 0);

  return {
    el,
    id,
    update(s) {
      if (s.tab !== currentTab) void show(s.tab);
    },
    destroy() {
      token++;
      logs?.destroy();
      stopMetrics?.();
    },
  };
}

export function eventList(items: KubeEvent[], showObject: boolean, ctx: Ctx): HTMLElement {
  return h(
    "ul",
    { class: "event-list", "aria-label": "Events" },
    items.map((ev) =>
      h(
        "li",
        { class: `event event-${ev.type === "Warning" ? "warning" : "normal"}` },
        h("div", { class: "event-head" }, h("span", { class: ev.type === "Warning" ? "status-text-warning" : "muted" }, ev.type), " ", h("strong", null, ev.reason), ev.count > 1 ? h("span", { class: "muted" }, ` ×${ev.count}`) : null, h("span", { class: "muted small event-age" }, `${ageOf(ev.last)} ago`)),
        showObject ? h("div", null, objectLink(ctx, ev.object)) : null,
        h("div", { class: "event-msg" }, ev.message),
      ),
    ),
  );
}
