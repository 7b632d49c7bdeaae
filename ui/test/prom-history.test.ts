// The Prometheus history of the detail panel against a mocked fetch (test code only):
// the named queries asked, the answer turned into points with gaps kept, and every
// failure (501, 502, 504, 403) returned with the server's message — never data.
import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/http";
import { chartGeometry, fetchHistory, formatValue, historyQueries, lastValue, pointsOf } from "../src/views/prom-history";

interface Call {
  url: string;
}

function mockApi(answer: (url: string) => { status: number; body: unknown; requestId?: string }): { api: ApiClient; calls: Call[] } {
  const calls: Call[] = [];
  const fetchImpl = (async (input: RequestInfo | URL) => {
    const url = String(input);
    calls.push({ url });
    const a = answer(url);
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { "Content-Type": "application/json", "X-Request-Id": a.requestId ?? "req-1" } });
  }) as typeof fetch;
  return { api: new ApiClient({ fetchImpl }), calls };
}

const T = 1795782300000;
const MATRIX = {
  cluster: "demo",
  query: "pod_cpu",
  unit: "cores",
  rangeSeconds: 3600,
  stepSeconds: 30,
  resultType: "matrix",
  truncated: false,
  series: [{ labels: { pod: "web-1" }, points: [[T, 0.125], [T + 30000, null], [T + 60000, 0.25], [T + 90000, 0.5]] }],
};

function errorBody(code: string, status: number, message: string) {
  return { error: { code, status, message, requestId: "req-9", cluster: "demo" } };
}

describe("Prometheus history in the detail panel", () => {
  it("pods_ask_pod_cpu_and_pod_memory_nodes_node_cpu_and_node_memory_over_an_hour", async () => {
    expect(historyQueries("Pod", "shop", "web-1").map((q) => q.name)).toEqual(["pod_cpu", "pod_memory"]);
    expect(historyQueries("Node", "", "worker-1").map((q) => [q.name, q.params])).toEqual([
      ["node_cpu", { node: "worker-1" }],
      ["node_memory", { node: "worker-1" }],
    ]);
    expect(historyQueries("Deployment", "shop", "web")).toEqual([]);
    const { api, calls } = mockApi(() => ({ status: 200, body: MATRIX }));
    await fetchHistory(api, "demo", historyQueries("Pod", "shop", "web-1")[0]!);
    await fetchHistory(api, "demo", historyQueries("Node", "", "worker-1")[1]!);
    expect(calls.map((c) => c.url)).toEqual([
      "/api/v1/clusters/demo/metrics/query/pod_cpu?namespace=shop&pod=web-1&range=1h",
      "/api/v1/clusters/demo/metrics/query/node_memory?node=worker-1&range=1h",
    ]);
  });

  it("the_answers_points_are_shown_as_sent_with_null_as_a_gap", async () => {
    const { api } = mockApi(() => ({ status: 200, body: MATRIX }));
    const r = await fetchHistory(api, "demo", historyQueries("Pod", "shop", "web-1")[0]!);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.points).toEqual([[T, 0.125], [T + 30000, null], [T + 60000, 0.25], [T + 90000, 0.5]]);
    expect(r.rangeSeconds).toBe(3600);
    expect(lastValue(r.points)).toBe(0.5);
    // The gap breaks the line: a lone dot before it, a line after it; nothing at the gap.
    const g = chartGeometry(r.points, 90, 50, { t0: T, t1: T + 90000 });
    expect(g.dots).toHaveLength(1);
    expect(g.segments).toHaveLength(1);
    expect(g.segments[0]!.map(([x]) => x)).toEqual([60, 90]);
    expect(g.max).toBe(0.5);
    expect(g.segments[0]![1]![1]).toBeCloseTo(1); // the maximum at the top (1 px margin)
  });

  it("an_empty_answer_gives_no_points_and_no_invented_zeros", async () => {
    const { api } = mockApi(() => ({ status: 200, body: { ...MATRIX, series: [] } }));
    const r = await fetchHistory(api, "demo", historyQueries("Node", "", "n1")[0]!);
    expect(r.ok && r.points).toEqual([]);
    expect(lastValue([])).toBeNull();
    expect(formatValue("cpu", null)).toBe("—");
    const g = chartGeometry([], 100, 40);
    expect(g.segments).toEqual([]);
    expect(g.dots).toEqual([]);
  });

  it("several_series_are_added_only_where_all_have_a_value", () => {
    const pts = pointsOf({
      ...MATRIX,
      series: [
        { labels: { pod: "a" }, points: [[1, 1], [2, 2], [3, null]] },
        { labels: { pod: "b" }, points: [[1, 10], [2, 20], [3, 30], [4, 40]] },
      ],
    });
    expect(pts).toEqual([[1, 11], [2, 22], [3, null], [4, null]]);
  });

  for (const [status, code, message] of [
    [501, "metrics_unavailable", "cluster demo has no Prometheus configured"],
    [502, "prometheus_unreachable", "Prometheus of cluster demo at http://127.0.0.1:9/ cannot be reached: connection refused"],
    [502, "prometheus_error", "Prometheus answered: bad_data: parse error"],
    [504, "timeout", "Prometheus did not answer within 10000 ms"],
    [403, "forbidden", "user ann cannot list pods in namespace payments"],
  ] as const) {
    it(`a_${status}_${code}_comes_back_as_its_error_with_the_servers_message`, async () => {
      const { api } = mockApi(() => ({ status, body: errorBody(code, status, message) }));
      const r = await fetchHistory(api, "demo", historyQueries("Pod", "shop", "web-1")[1]!);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.query).toBe("pod_memory");
      expect(r.error.code).toBe(code);
      expect(r.error.status).toBe(status);
      expect(r.error.message).toBe(message);
      expect(r.error.requestId).toBe("req-9");
      expect("points" in r).toBe(false);
      // 502 and 504 are worth retrying (the panel offers Retry on every error).
      expect(r.error.retryable).toBe(status === 502 || status === 504);
    });
  }

  it("a_proxy_page_instead_of_json_is_an_error_not_data", async () => {
    const fetchImpl = (async () => new Response("<html>Bad Gateway</html>", { status: 502 })) as typeof fetch;
    const r = await fetchHistory(new ApiClient({ fetchImpl }), "demo", historyQueries("Pod", "shop", "web-1")[0]!);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.status).toBe(502);
  });

  it("values_read_in_the_units_people_use", () => {
    expect(formatValue("cpu", 0.125)).toBe("125m");
    expect(formatValue("cpu", 0.0042)).toBe("4.2m");
    expect(formatValue("cpu", 2.5)).toBe("2.50 cores");
    expect(formatValue("memory", 64 * 1024 ** 2)).toBe("64 MiB");
    expect(formatValue("memory", 1.5 * 1024 ** 3)).toBe("1.50 GiB");
  });
});
