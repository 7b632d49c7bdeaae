// The one way a failure is shown: what failed (code, message), what to do (advice and
// an action such as Retry), and the request ID with a "Copy for support" button.

import { ApiError, errorAdvice } from "../api/errors";
import { copyText, h, toast } from "./dom";

export function asApiError(e: unknown, request = ""): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError({ code: "client_error", message: e instanceof Error ? e.message : String(e), status: 0, request });
}

export interface ErrorAction {
  label: string;
  run: () => void;
}

export function errorBanner(err: ApiError, actions: ErrorAction[] = [], compact = false): HTMLElement {
  const copy = h(
    "button",
    {
      class: "btn btn-small",
      type: "button",
      onclick: async () => {
        const ok = await copyText(err.supportText());
        toast(ok ? "Error details copied" : "Could not copy; select the text instead", ok ? "info" : "error");
      },
    },
    "Copy for support",
  );
  return h(
    "div",
    { class: `error-banner${compact ? " compact" : ""}`, role: "alert", dataset: { code: err.code, requestId: err.requestId ?? "" } },
    h("div", { class: "error-title" }, h("strong", null, titleFor(err)), " ", h("code", { class: "error-code" }, err.code), err.status ? ` · HTTP ${err.status}` : null),
    h("div", { class: "error-message" }, err.message),
    compact ? null : h("div", { class: "error-advice" }, errorAdvice(err)),
    h(
      "div",
      { class: "error-meta" },
      h("span", null, "Request ID: ", h("code", { class: "request-id" }, err.requestId ?? "none")),
      err.cluster ? h("span", null, " · cluster ", h("code", null, err.cluster)) : null,
    ),
    h(
      "div",
      { class: "error-actions" },
      actions.map((a) => h("button", { class: "btn btn-small btn-primary", type: "button", onclick: a.run }, a.label)),
      copy,
    ),
  );
}

function titleFor(err: ApiError): string {
  switch (err.code) {
    case "unreachable":
      return "Server unreachable";
    case "forbidden":
      return "Access denied";
    case "unauthenticated":
      return "Not signed in";
    case "not_found":
      return "Not found";
    case "cluster_unreachable":
      return "Cluster unreachable";
    case "timeout":
      return "Timed out";
    case "rate_limited":
      return "Rate limited";
    case "metrics_unavailable":
      return "No metrics";
    case "prometheus_unreachable":
      return "Prometheus unreachable";
    case "prometheus_error":
      return "Prometheus error";
    default:
      return "Request failed";
  }
}
