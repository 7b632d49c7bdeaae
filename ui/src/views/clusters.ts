// The cluster list: every registered cluster with its live status (and the reason when
// it is not connected), version, object count and last sync; a form to add one from a
// kubeconfig context or an uploaded kubeconfig. Works as cards on a phone.

import type { Cluster } from "../api/types";
import type { Ctx, View } from "../context";
import { ageOf, h, replaceChildren, toast } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";

export function statusBadge(status: string): HTMLElement {
  const tone =
    status === "connected" ? "ok" : status === "syncing" ? "warning" : status === "forbidden" || status === "error" ? "error" : "unknown";
  return h("span", { class: `badge badge-${tone}`, dataset: { status } }, h("span", { class: "dot", "aria-hidden": "true" }), status);
}

export function createClustersView(ctx: Ctx): View {
  const list = h("div", { class: "cluster-list", role: "list", "aria-label": "Clusters", "aria-busy": "true" });
  const addBox = addClusterForm(ctx);
  const el = h(
    "section",
    { class: "view view-clusters", "aria-labelledby": "clusters-title" },
    h("div", { class: "view-head" }, h("h1", { id: "clusters-title" }, "Clusters"), addBox.toggle),
    addBox.form,
    list,
  );

  const render = () => {
    const d = ctx.clusters;
    list.setAttribute("aria-busy", d.loaded ? "false" : "true");
    const parts: (HTMLElement | string)[] = [];
    if (d.error) parts.push(errorBanner(d.error, [{ label: "Retry", run: () => void d.refresh() }]));
    if (!d.loaded) parts.push(h("p", { class: "muted" }, "Loading clusters…"));
    else if (!d.error && d.clusters.length === 0)
      parts.push(h("p", { class: "empty" }, "No clusters registered. Add one from a kubeconfig context, or start the server with --kubeconfig."));
    for (const c of d.clusters) parts.push(clusterCard(ctx, c));
    replaceChildren(list, ...parts);
  };

  const off = ctx.clusters.onChange(render);
  // Ages in the cards tick without refetching.
  const tick = setInterval(render, 15_000);
  render();
  void ctx.clusters.refresh();

  return {
    el,
    update() {},
    destroy() {
      off();
      clearInterval(tick);
    },
  };
}

function clusterCard(ctx: Ctx, c: Cluster): HTMLElement {
  const open = () => ctx.navigate({ view: "topology", cluster: c.id, selected: null, focus: null });
  return h(
    "article",
    { class: "cluster-card", role: "listitem", dataset: { cluster: c.id, status: c.status } },
    h(
      "div",
      { class: "cluster-card-head" },
      h("h2", null, h("a", { href: `#/c/${encodeURIComponent(c.id)}/topology`, class: "cluster-name" }, c.name || c.id)),
      statusBadge(c.status),
    ),
    c.error ? h("p", { class: `cluster-error status-text-${c.status === "syncing" ? "warning" : "error"}` }, c.error) : null,
    h(
      "dl",
      { class: "facts" },
      h("div", null, h("dt", null, "ID"), h("dd", null, h("code", null, c.id))),
      h("div", null, h("dt", null, "Server"), h("dd", { class: "truncate", title: c.server }, c.server || "—")),
      h("div", null, h("dt", null, "Version"), h("dd", null, c.version ?? "—")),
      h("div", null, h("dt", null, "Objects"), h("dd", { class: "num" }, c.objects === null || c.objects === undefined ? "—" : c.objects.toLocaleString())),
      h("div", null, h("dt", null, "Last sync"), h("dd", null, c.lastSync ? `${ageOf(c.lastSync)} ago` : "never")),
    ),
    h(
      "div",
      { class: "card-actions" },
      h("button", { class: "btn btn-primary", type: "button", onclick: open }, "Topology"),
      h("button", { class: "btn", type: "button", onclick: () => ctx.navigate({ view: "resources", cluster: c.id, kind: "Pod", selected: null }) }, "Resources"),
      h("button", { class: "btn", type: "button", onclick: () => ctx.navigate({ view: "events", cluster: c.id, selected: null }) }, "Events"),
    ),
  );
}

function addClusterForm(ctx: Ctx) {
  const status = h("div", { class: "form-status", "aria-live": "polite" });
  const context = h("input", { id: "add-context", name: "context", placeholder: "e.g. prod-eu", autocomplete: "off" });
  const name = h("input", { id: "add-name", name: "name", placeholder: "optional display name", autocomplete: "off" });
  const file = h("input", { id: "add-file", name: "kubeconfig", type: "file", accept: ".yaml,.yml,.conf,text/*" });
  const form = h(
    "form",
    { class: "add-cluster", hidden: true, "aria-label": "Add a cluster" },
    h("div", { class: "field" }, h("label", { for: "add-context" }, "Kubeconfig context"), context),
    h("div", { class: "field" }, h("label", { for: "add-file" }, "or upload a kubeconfig"), file),
    h("div", { class: "field" }, h("label", { for: "add-name" }, "Name"), name),
    h("div", { class: "form-actions" }, h("button", { class: "btn btn-primary", type: "submit" }, "Add cluster")),
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body: { context?: string; kubeconfig?: string; name?: string } = {};
    if (context.value.trim()) body.context = context.value.trim();
    if (name.value.trim()) body.name = name.value.trim();
    const f = file.files?.[0];
    if (f) body.kubeconfig = await f.text();
    if (!body.context && !body.kubeconfig) {
      replaceChildren(status, h("p", { class: "status-text-error" }, "Give a context name or a kubeconfig file."));
      context.focus();
      return;
    }
    replaceChildren(status, h("p", { class: "muted" }, "Adding…"));
    try {
      const c = await ctx.api.addCluster(body);
      replaceChildren(status);
      form.hidden = true;
      toast(`Cluster ${c?.name ?? c?.id ?? ""} added`);
      await ctx.clusters.refresh();
    } catch (e) {
      replaceChildren(status, errorBanner(asApiError(e), [], true));
    }
  });
  const toggle = h(
    "button",
    {
      class: "btn",
      type: "button",
      "aria-expanded": "false",
      onclick: () => {
        form.hidden = !form.hidden;
        toggle.setAttribute("aria-expanded", String(!form.hidden));
        if (!form.hidden) context.focus();
      },
    },
    "Add cluster",
  );
  return { form, toggle };
}
