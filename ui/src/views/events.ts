// Events of a cluster, newest first, filtered by namespace and type; each links to its
// object. Events have no push channel in the contract, so "Refresh" refetches on demand.

import type { KubeEvent } from "../api/types";
import type { Ctx, View } from "../context";
import type { ViewState } from "../state/url-state";
import { h, replaceChildren } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";
import { eventList } from "./detail";

export function createEventsView(ctx: Ctx, initial: ViewState): View {
  let state = initial;
  let abort: AbortController | null = null;
  const nsInput = h("input", { id: "ev-ns", placeholder: "all namespaces", autocomplete: "off" });
  const typeSelect = h("select", { id: "ev-type" }, h("option", { value: "" }, "All types"), h("option", { value: "Warning" }, "Warning"), h("option", { value: "Normal" }, "Normal"));
  const refresh = h("button", { class: "btn", type: "button", onclick: () => void load() }, "Refresh");
  const list = h("div", { class: "events-body", "aria-live": "polite" });
  const el = h(
    "section",
    { class: "view view-events", "aria-label": "Events" },
    h(
      "form",
      { class: "toolbar", "aria-label": "Filter events", onsubmit: (e: Event) => e.preventDefault() },
      h("div", { class: "field" }, h("label", { for: "ev-ns" }, "Namespace"), nsInput),
      h("div", { class: "field" }, h("label", { for: "ev-type" }, "Type"), typeSelect),
      h("div", { class: "field actions" }, refresh),
    ),
    list,
  );
  const apply = () => ctx.navigate({ namespaces: nsInput.value.split(",").map((s) => s.trim()).filter(Boolean) });
  nsInput.addEventListener("change", apply);
  nsInput.addEventListener("keydown", (e) => e.key === "Enter" && apply());
  typeSelect.addEventListener("change", () => ctx.navigate({ eventType: typeSelect.value }));

  async function load(): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    nsInput.value = state.namespaces.join(",");
    typeSelect.value = state.incident ? "Warning" : state.eventType;
    replaceChildren(list, h("p", { class: "muted" }, "Loading events…"));
    try {
      const res = await ctx.api.events(
        state.cluster!,
        { namespace: state.namespaces.length === 1 ? state.namespaces[0] : undefined, type: state.incident ? "Warning" : state.eventType || undefined, limit: 500 },
        ac.signal,
      );
      if (ac.signal.aborted) return;
      let items: KubeEvent[] = res.items ?? [];
      if (state.namespaces.length > 1) items = items.filter((e) => state.namespaces.some((ns) => e.object.split("/")[1] === ns));
      items.sort((a, b) => (b.last ?? "").localeCompare(a.last ?? ""));
      replaceChildren(
        list,
        h("p", { class: "muted small" }, `${items.length} events${state.incident ? " (incident mode: warnings only)" : ""}`),
        items.length ? eventList(items, true, ctx) : h("p", { class: "empty" }, "No events match."),
      );
    } catch (e) {
      if (ac.signal.aborted) return;
      replaceChildren(list, errorBanner(asApiError(e), [{ label: "Retry", run: () => void load() }]));
    }
  }
  void load();
  return {
    el,
    update(next, prev) {
      state = next;
      if (next.namespaces.join() !== prev.namespaces.join() || next.eventType !== prev.eventType || next.incident !== prev.incident) void load();
    },
    destroy() {
      abort?.abort();
    },
  };
}
