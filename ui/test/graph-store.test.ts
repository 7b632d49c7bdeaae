import { describe, expect, it } from "vitest";
import { GraphStore, edgeKey, rvOlder } from "../src/state/graph-store";
import { node, shopTopology } from "./fixtures";

function loaded(): GraphStore {
  const s = new GraphStore();
  s.replace(shopTopology(), 1);
  return s;
}

describe("GraphStore", () => {
  it("snapshot_indexes_nodes_and_edges_by_id", () => {
    const s = loaded();
    expect(s.nodes.size).toBe(6);
    expect(s.edges.size).toBe(6);
    expect(s.resourceVersion).toBe("100");
    expect(s.edgesOf("Pod/shop/web-1").map((e) => e.type).sort()).toEqual(["owns", "runs-on", "selects"]);
  });

  it("scale_up_delta_adds_pod_and_its_edges_without_touching_others", () => {
    const s = loaded();
    const ch = s.applyDelta({
      resourceVersion: "101",
      nodes: { upsert: [node("Pod/shop/web-3", "unknown", 20, 20)] },
      edges: { upsert: [{ source: "ReplicaSet.apps/shop/web-7d9f", target: "Pod/shop/web-3", type: "owns" }] },
    });
    expect(ch.addedNodes.map((n) => n.id)).toEqual(["Pod/shop/web-3"]);
    expect(ch.updatedNodes).toEqual([]);
    expect(ch.addedEdges).toHaveLength(1);
    expect(s.nodes.size).toBe(7);
    expect(s.resourceVersion).toBe("101");
  });

  it("status_update_keeps_position_when_delta_has_no_coordinates", () => {
    const s = loaded();
    const upd = { ...node("Pod/shop/web-2", "error"), x: Number.NaN, y: Number.NaN };
    const ch = s.applyDelta({ resourceVersion: "102", nodes: { upsert: [upd] } });
    expect(ch.updatedNodes).toHaveLength(1);
    const n = s.nodes.get("Pod/shop/web-2")!;
    expect(n.status).toBe("error");
    expect([n.x, n.y]).toEqual([20, 10]);
  });

  it("removing_a_node_removes_its_edges", () => {
    const s = loaded();
    const ch = s.applyDelta({ resourceVersion: "103", nodes: { remove: ["Pod/shop/web-1"] } });
    expect(ch.removedNodes).toEqual(["Pod/shop/web-1"]);
    expect(ch.removedEdges.sort()).toEqual(
      [
        edgeKey({ source: "ReplicaSet.apps/shop/web-7d9f", target: "Pod/shop/web-1", type: "owns" }),
        edgeKey({ source: "Service/shop/web", target: "Pod/shop/web-1", type: "selects" }),
        edgeKey({ source: "Pod/shop/web-1", target: "Node//worker-1", type: "runs-on" }),
      ].sort(),
    );
    expect(s.edges.size).toBe(3);
    expect(s.edgesOf("Node//worker-1")).toEqual([]);
  });

  it("edge_removal_accepts_objects_and_keys", () => {
    const s = loaded();
    s.applyDelta({
      resourceVersion: "104",
      edges: {
        remove: [
          { source: "Service/shop/web", target: "Pod/shop/web-1", type: "selects" },
          edgeKey({ source: "Service/shop/web", target: "Pod/shop/web-2", type: "selects" }),
        ],
      },
    });
    expect(s.edgesOf("Service/shop/web")).toEqual([]);
  });

  it("older_delta_is_ignored_so_the_view_never_goes_back_in_time", () => {
    const s = loaded();
    const ch = s.applyDelta({ resourceVersion: "99", nodes: { remove: ["Pod/shop/web-1"] } });
    expect(ch.stale).toBe(true);
    expect(s.nodes.has("Pod/shop/web-1")).toBe(true);
    expect(s.resourceVersion).toBe("100");
  });

  it("edge_arriving_before_its_node_is_drawable_once_the_node_comes", () => {
    const s = loaded();
    s.applyDelta({ resourceVersion: "105", edges: { upsert: [{ source: "Pod/shop/web-9", target: "Node//worker-1", type: "runs-on" }] } });
    expect(s.drawableEdges().some((e) => e.source === "Pod/shop/web-9")).toBe(false);
    s.applyDelta({ resourceVersion: "106", nodes: { upsert: [node("Pod/shop/web-9")] } });
    expect(s.drawableEdges().some((e) => e.source === "Pod/shop/web-9")).toBe(true);
    expect(s.edgesOf("Pod/shop/web-9")).toHaveLength(1);
  });

  it("resnapshot_reports_only_the_difference", () => {
    const s = loaded();
    const t = shopTopology();
    t.resourceVersion = "200";
    t.nodes = t.nodes.filter((n) => n.id !== "Pod/shop/web-2");
    t.edges = t.edges.filter((e) => e.target !== "Pod/shop/web-2");
    const ch = s.replace(t, 2);
    expect(ch.removedNodes).toEqual(["Pod/shop/web-2"]);
    expect(ch.addedNodes).toEqual([]);
    expect(ch.removedEdges).toHaveLength(2);
    expect(s.confirmedAt).toBe(2);
  });

  it("neighbourhood_follows_edges_both_ways_for_n_hops", () => {
    const s = loaded();
    expect([...s.neighbourhood("Pod/shop/web-2", 1)].sort()).toEqual(
      ["Pod/shop/web-2", "ReplicaSet.apps/shop/web-7d9f", "Service/shop/web"].sort(),
    );
    expect(s.neighbourhood("Pod/shop/web-2", 2).has("Deployment.apps/shop/web")).toBe(true);
    // web-2 → Service → web-1 → Node: three hops away, not two.
    expect(s.neighbourhood("Pod/shop/web-2", 2).has("Node//worker-1")).toBe(false);
    expect(s.neighbourhood("Pod/shop/web-2", 3).has("Node//worker-1")).toBe(true);
    expect(s.neighbourhood("Pod/shop/web-2", 0).size).toBe(1);
  });

  it("rv_comparison_is_numeric_not_lexical", () => {
    expect(rvOlder("99", "100")).toBe(true);
    expect(rvOlder("100", "99")).toBe(false);
    expect(rvOlder("abc", "100")).toBe(false);
  });
});
