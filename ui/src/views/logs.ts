// Logs of a pod (or of a workload's pods): container selector, follow (a chunked stream
// read as it arrives), previous container, server-side timestamps, search that filters
// the lines, and download of what was received.

import type { Ctx } from "../context";
import { parseObjectId } from "../api/http";
import { download, h, replaceChildren } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";
import { bareKind } from "../ui/kinds";

const MAX_LINES = 20_000;
const SHOWN_LINES = 3_000;

export interface LogsPanel {
  el: HTMLElement;
  destroy(): void;
}

export function createLogsPanel(ctx: Ctx, cluster: string, id: string, obj: Record<string, unknown> | null): LogsPanel {
  const { kind, namespace, name } = parseObjectId(id);
  const podSelect = h("select", { id: "log-pod", "aria-label": "Pod" });
  const containerSelect = h("select", { id: "log-container", "aria-label": "Container" });
  const follow = h("input", { type: "checkbox", id: "log-follow", checked: true });
  const stamps = h("input", { type: "checkbox", id: "log-ts" });
  const previous = h("input", { type: "checkbox", id: "log-prev" });
  const tail = h("select", { id: "log-tail", "aria-label": "Lines from the end" }, [100, 500, 2000, 10000].map((n) => h("option", { value: String(n), selected: n === 500 }, `last ${n}`)));
  const search = h("input", { id: "log-search", type: "search", placeholder: "Search in logs", autocomplete: "off" });
  const count = h("span", { class: "muted small", "aria-live": "polite" });
  const state = h("span", { class: "log-state", "aria-live": "polite" });
  const out = h("pre", { class: "log-output", tabindex: "0", "aria-label": "Log lines", "data-testid": "log-output" });
  const err = h("div", { class: "banner-slot" });
  const dl = h("button", { class: "btn btn-small", type: "button" }, "Download");
  const el = h(
    "div",
    { class: "logs" },
    h(
      "div",
      { class: "toolbar log-toolbar" },
      h("div", { class: "field", hidden: bareKind(kind) === "Pod" }, h("label", { for: "log-pod" }, "Pod"), podSelect),
      h("div", { class: "field" }, h("label", { for: "log-container" }, "Container"), containerSelect),
      h("div", { class: "field" }, h("label", { for: "log-tail" }, "Lines"), tail),
      h("div", { class: "check" }, follow, h("label", { for: "log-follow" }, "Follow")),
      h("div", { class: "check" }, stamps, h("label", { for: "log-ts" }, "Timestamps")),
      h("div", { class: "check" }, previous, h("label", { for: "log-prev" }, "Previous")),
      h("div", { class: "field grow" }, h("label", { for: "log-search", class: "sr-only" }, "Search in logs"), search, count),
      dl,
      state,
    ),
    err,
    out,
  );

  let lines: string[] = [];
  let partial = "";
  let abort: AbortController | null = null;
  let pod = { namespace, name };
  let destroyed = false;

  function setContainers(podObj: Record<string, unknown> | null): void {
    const spec = (podObj?.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
    const names = [...(spec.containers ?? []).map((c) => c.name), ...(spec.initContainers ?? []).map((c) => `${c.name}`)];
    replaceChildren(containerSelect, names.length ? names.map((n) => h("option", { value: n }, n)) : h("option", { value: "" }, "(default)"));
  }

  function paint(): void {
    const q = search.value.trim().toLowerCase();
    const shown = q ? lines.filter((l) => l.toLowerCase().includes(q)) : lines;
    const tailShown = shown.slice(-SHOWN_LINES);
    const atBottom = out.scrollHeight - out.scrollTop - out.clientHeight < 40;
    out.textContent = tailShown.join("\n");
    count.textContent = q ? `${shown.length} matching of ${lines.length} lines` : `${lines.length} lines`;
    if (atBottom || follow.checked) out.scrollTop = out.scrollHeight;
  }

  let paintQueued = false;
  function queuePaint(): void {
    if (paintQueued) return;
    paintQueued = true;
    requestAnimationFrame(() => {
      paintQueued = false;
      paint();
    });
  }

  async function stream(): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    lines = [];
    partial = "";
    replaceChildren(err);
    paint();
    state.textContent = "connecting…";
    try {
      const res = await ctx.api.logs(
        cluster,
        pod.namespace,
        pod.name,
        { container: containerSelect.value || undefined, tail: Number(tail.value), follow: follow.checked, timestamps: stamps.checked, previous: previous.checked },
        ac.signal,
      );
      state.textContent = follow.checked ? "following" : "loaded";
      const reader = res.body?.getReader();
      if (!reader) {
        addText(await res.text());
      } else {
        const dec = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          addText(dec.decode(value, { stream: true }));
        }
      }
      if (partial) {
        lines.push(partial);
        partial = "";
      }
      paint();
      if (!ac.signal.aborted) state.textContent = follow.checked ? "stream ended" : "loaded";
    } catch (e) {
      if (ac.signal.aborted || destroyed) return;
      state.textContent = "failed";
      replaceChildren(err, errorBanner(asApiError(e), [{ label: "Retry", run: () => void stream() }], true));
    }
  }

  function addText(t: string): void {
    const parts = (partial + t).split("\n");
    partial = parts.pop() ?? "";
    for (const p of parts) lines.push(p);
    if (lines.length > MAX_LINES) lines = lines.slice(lines.length - MAX_LINES);
    queuePaint();
  }

  async function init(): Promise<void> {
    if (bareKind(kind) === "Pod") {
      setContainers(obj);
      void stream();
      return;
    }
    // A workload: its pods are the ones its selector matches.
    const sel = ((obj?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels) ?? null;
    if (!sel) {
      replaceChildren(err, h("p", { class: "muted" }, "This object has no pod selector, so it has no logs."));
      return;
    }
    const labelSelector = Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(",");
    try {
      const list = await ctx.api.resources(cluster, "Pod", { namespace, labelSelector, limit: 200 });
      const pods = list.items ?? [];
      if (!pods.length) {
        replaceChildren(err, h("p", { class: "muted" }, `No pods match ${labelSelector}.`));
        return;
      }
      replaceChildren(podSelect, pods.map((p) => h("option", { value: p.name }, `${p.name} (${p.status})`)));
      podSelect.closest(".field")?.removeAttribute("hidden");
      await pickPod(pods[0]!.name);
    } catch (e) {
      replaceChildren(err, errorBanner(asApiError(e), [{ label: "Retry", run: () => void init() }], true));
    }
  }

  async function pickPod(podName: string): Promise<void> {
    pod = { namespace, name: podName };
    try {
      setContainers(await ctx.api.object(cluster, `Pod/${namespace}/${podName}`));
    } catch {
      setContainers(null);
    }
    void stream();
  }

  podSelect.addEventListener("change", () => void pickPod(podSelect.value));
  for (const c of [containerSelect, follow, stamps, previous, tail]) c.addEventListener("change", () => void stream());
  search.addEventListener("input", paint);
  dl.addEventListener("click", () => {
    const text = lines.join("\n") + (partial ? `\n${partial}` : "");
    download(`${pod.name}${containerSelect.value ? `-${containerSelect.value}` : ""}.log`, new Blob([text], { type: "text/plain" }));
  });
  void init();

  return {
    el,
    destroy() {
      destroyed = true;
      abort?.abort();
    },
  };
}
