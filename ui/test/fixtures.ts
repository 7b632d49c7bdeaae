// Test fixtures only: a small topology in the contract's shape.
import type { TopoNode, Topology } from "../src/api/types";

export function node(id: string, status = "ok", x = 0, y = 0): TopoNode {
  const [kind = "", namespace = "", name = ""] = id.split("/");
  return { id, kind, namespace, name, status, x, y, group: namespace };
}

export function shopTopology(): Topology {
  return {
    cluster: "c1",
    resourceVersion: "100",
    truncated: false,
    nodes: [
      node("Deployment.apps/shop/web", "ok", 0, 0),
      node("ReplicaSet.apps/shop/web-7d9f", "ok", 10, 0),
      node("Pod/shop/web-1", "ok", 20, 0),
      node("Pod/shop/web-2", "warning", 20, 10),
      node("Service/shop/web", "ok", 30, 5),
      node("Node//worker-1", "ok", 40, 5),
    ],
    edges: [
      { source: "Deployment.apps/shop/web", target: "ReplicaSet.apps/shop/web-7d9f", type: "owns" },
      { source: "ReplicaSet.apps/shop/web-7d9f", target: "Pod/shop/web-1", type: "owns" },
      { source: "ReplicaSet.apps/shop/web-7d9f", target: "Pod/shop/web-2", type: "owns" },
      { source: "Service/shop/web", target: "Pod/shop/web-1", type: "selects" },
      { source: "Service/shop/web", target: "Pod/shop/web-2", type: "selects" },
      { source: "Pod/shop/web-1", target: "Node//worker-1", type: "runs-on" },
    ],
  };
}
