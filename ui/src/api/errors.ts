// The error contract: every endpoint answers a failure with
//   {"error": {"code","message","status","requestId","cluster"}}
// and every response carries X-Request-Id. parseErrorResponse turns any failed
// response (even a proxy's HTML page) into an ApiError the UI can show and copy.

export const STATUS_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  410: "gone",
  429: "rate_limited",
  500: "internal",
  501: "metrics_unavailable",
  502: "cluster_unreachable",
  504: "timeout",
};

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | null;
  readonly cluster: string | null;
  /** Which call failed, e.g. "GET /api/v1/clusters", for the support text. */
  readonly request: string;

  constructor(init: {
    code: string;
    message: string;
    status: number;
    requestId?: string | null;
    cluster?: string | null;
    request?: string;
  }) {
    super(init.message);
    this.name = "ApiError";
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId ?? null;
    this.cluster = init.cluster ?? null;
    this.request = init.request ?? "";
  }

  /** True when trying again could help (the action offered is "Retry"). */
  get retryable(): boolean {
    return (
      this.status === 0 ||
      this.status === 429 ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504 ||
      this.status === 500
    );
  }

  /** Plain text a person pastes into a support ticket. */
  supportText(now: Date = new Date()): string {
    return [
      `Kubilitics error: ${this.code} (HTTP ${this.status || "no response"})`,
      `Message: ${this.message}`,
      `Request ID: ${this.requestId ?? "none"}`,
      this.cluster ? `Cluster: ${this.cluster}` : null,
      this.request ? `Request: ${this.request}` : null,
      `Time: ${now.toISOString()}`,
    ]
      .filter((l): l is string => l !== null)
      .join("\n");
  }
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

/**
 * Builds an ApiError from a failed response's status, headers and body text.
 * The JSON envelope wins; the header and the status fill what it lacks.
 */
export function parseErrorResponse(
  status: number,
  body: string,
  headerRequestId: string | null,
  request = "",
): ApiError {
  let envelope: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "error" in parsed) {
      const e = (parsed as { error: unknown }).error;
      if (e && typeof e === "object") envelope = e as Record<string, unknown>;
      else if (typeof e === "string") envelope = { message: e };
    }
  } catch {
    // Not JSON: a proxy or a crash page. Fall through to the status.
  }
  const code = str(envelope?.code) ?? STATUS_CODES[status] ?? (status >= 500 ? "internal" : "bad_request");
  const fallbackMessage = body.trim() && !body.trimStart().startsWith("<") ? body.trim().slice(0, 300) : `HTTP ${status}`;
  const st = typeof envelope?.status === "number" ? envelope.status : status;
  return new ApiError({
    code,
    message: str(envelope?.message) ?? fallbackMessage,
    status: st,
    requestId: str(envelope?.requestId) ?? headerRequestId,
    cluster: str(envelope?.cluster),
    request,
  });
}

/** The error for a request that never got a response (server down, network gone). */
export function networkError(request: string, cause: unknown): ApiError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ApiError({
    code: "unreachable",
    message: `Cannot reach the Kubilitics server (${detail})`,
    status: 0,
    request,
  });
}

/** What a person can do about an error, by code; shown next to the message. */
export function errorAdvice(err: ApiError): string {
  switch (err.code) {
    case "unreachable":
      return "The Kubilitics server is not answering. Check that it is running; retrying with backoff.";
    case "unauthenticated":
      return "Your session is not signed in or has expired. Sign in again.";
    case "forbidden":
      return "You lack permission for this in the cluster. Ask a cluster admin for the role named in the message.";
    case "not_found":
      return "It no longer exists, or was never there. It may have been deleted.";
    case "cluster_unreachable":
      return "Kubilitics cannot reach the cluster's API server. Cached data, if any, is stale.";
    case "timeout":
      return "The cluster took too long to answer. Retry.";
    case "rate_limited":
      return "Too many requests right now. Retry in a moment.";
    case "metrics_unavailable":
      return "This cluster has no metrics server (metrics.k8s.io).";
    case "gone":
      return "The data moved on; reload the view.";
    case "prometheus_unreachable":
      return "Kubilitics cannot reach the cluster's Prometheus. Check that it is running and that its configured URL is right, then retry.";
    case "prometheus_error":
      return "The cluster's Prometheus answered with an error (the message above). Retry; if it persists, check Prometheus.";
    default:
      return err.retryable ? "Retry; if it keeps failing, copy the details for support." : "Copy the details for support.";
  }
}
