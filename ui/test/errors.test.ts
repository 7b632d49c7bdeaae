import { describe, expect, it } from "vitest";
import { ApiError, errorAdvice, networkError, parseErrorResponse } from "../src/api/errors";
import { ApiClient } from "../src/api/http";

describe("error contract parsing", () => {
  it("reads_the_json_envelope", () => {
    const body = JSON.stringify({
      error: { code: "forbidden", message: "pods is forbidden: user alice cannot list", status: 403, requestId: "req-1", cluster: "c1" },
    });
    const e = parseErrorResponse(403, body, "hdr-1", "GET /api/v1/clusters/c1/resources/pods");
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe("forbidden");
    expect(e.message).toContain("alice");
    expect(e.requestId).toBe("req-1");
    expect(e.cluster).toBe("c1");
    expect(e.retryable).toBe(false);
    expect(errorAdvice(e)).toMatch(/permission/);
  });

  it("falls_back_to_header_request_id_and_status_code_for_proxy_pages", () => {
    const e = parseErrorResponse(502, "<html><body>Bad gateway</body></html>", "hdr-9");
    expect(e.code).toBe("cluster_unreachable");
    expect(e.requestId).toBe("hdr-9");
    expect(e.message).toBe("HTTP 502");
    expect(e.retryable).toBe(true);
  });

  it("keeps_plain_text_bodies_as_message", () => {
    const e = parseErrorResponse(504, "upstream timed out", null);
    expect(e.code).toBe("timeout");
    expect(e.message).toBe("upstream timed out");
  });

  it("support_text_contains_everything_support_needs", () => {
    const e = parseErrorResponse(500, JSON.stringify({ error: { code: "internal", message: "boom", status: 500, requestId: "r-42" } }), null, "GET /x");
    const t = e.supportText(new Date("2026-01-02T03:04:05Z"));
    expect(t).toContain("internal");
    expect(t).toContain("r-42");
    expect(t).toContain("boom");
    expect(t).toContain("GET /x");
    expect(t).toContain("2026-01-02T03:04:05.000Z");
  });

  it("network_failure_is_an_unreachable_error", () => {
    const e = networkError("GET /api/v1/clusters", new TypeError("Failed to fetch"));
    expect(e.status).toBe(0);
    expect(e.code).toBe("unreachable");
    expect(e.retryable).toBe(true);
  });

  it("client_rejects_with_api_error_and_request_id_from_header", async () => {
    const fetchImpl = (async () =>
      new Response(JSON.stringify({ error: { code: "not_found", message: "no such cluster", status: 404 } }), {
        status: 404,
        headers: { "X-Request-Id": "abc123" },
      })) as typeof fetch;
    const seen: ApiError[] = [];
    const api = new ApiClient({ fetchImpl, onError: (e) => seen.push(e) });
    await expect(api.clusters()).rejects.toMatchObject({ code: "not_found", requestId: "abc123", status: 404 });
    expect(seen).toHaveLength(1);
  });

  it("client_builds_paths_from_object_ids", async () => {
    const urls: string[] = [];
    const fetchImpl = (async (u: string) => {
      urls.push(u);
      return new Response("{}", { status: 200 });
    }) as unknown as typeof fetch;
    const api = new ApiClient({ fetchImpl });
    await api.object("c1", "Node//worker-1");
    await api.object("c1", "Deployment.apps/shop/web");
    await api.topology("c1", { namespaces: ["a", "b"], kinds: ["Pod"], focus: "Pod/a/x", depth: 2 });
    expect(urls[0]).toBe("/api/v1/clusters/c1/resources/Node//worker-1");
    expect(urls[1]).toBe("/api/v1/clusters/c1/resources/Deployment.apps/shop/web");
    expect(urls[2]).toBe("/api/v1/clusters/c1/topology?namespace=a%2Cb&focus=Pod%2Fa%2Fx&depth=2&kinds=Pod");
  });
});
