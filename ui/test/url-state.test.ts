import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, decodeState, encodeState, type ViewState } from "../src/state/url-state";

function st(p: Partial<ViewState>): ViewState {
  return { ...DEFAULT_STATE, ...p };
}

describe("URL view state", () => {
  it("round_trips_a_full_topology_view", () => {
    const s = st({
      view: "topology",
      cluster: "prod/eu 1",
      namespaces: ["shop", "pay,ments"],
      kinds: ["Pod", "Deployment.apps"],
      labelSelector: "app in (web,api),tier!=db,version+1",
      focus: "Deployment.apps/shop/web",
      depth: 3,
      selected: "Pod/shop/web-1",
      tab: "logs",
      search: "web & co",
      incident: true,
      group: "namespace",
      collapsed: ["kube-system"],
      hideEdges: ["runs-on", "grants"],
      camera: { x: 0.5, y: -0.25, ratio: 1.5 },
      render: "points",
      eventType: "Warning",
    });
    expect(decodeState(encodeState(s))).toEqual(s);
  });

  it("round_trips_resource_browser_and_object_page", () => {
    const r = st({ view: "resources", cluster: "c1", kind: "Pod", sort: "name", desc: true, namespaces: ["shop"] });
    expect(decodeState(encodeState(r))).toEqual(r);
    const o = st({ view: "object", cluster: "c1", selected: "Node//worker-1", tab: "events" });
    expect(decodeState(encodeState(o))).toEqual(o);
  });

  it("default_state_is_the_cluster_list_and_short", () => {
    expect(encodeState(DEFAULT_STATE)).toBe("#/clusters");
    expect(decodeState("")).toEqual(DEFAULT_STATE);
  });

  it("omits_defaults_so_shared_links_stay_short", () => {
    expect(encodeState(st({ view: "topology", cluster: "c1" }))).toBe("#/c/c1/topology");
  });

  it("malformed_values_fall_back_to_defaults", () => {
    const s = decodeState("#/c/c1/topology?depth=99&tab=bogus&cam=1,2&group=weird&l=%E0%A4%A");
    expect(s.view).toBe("topology");
    expect(s.depth).toBe(DEFAULT_STATE.depth);
    expect(s.tab).toBe("summary");
    expect(s.camera).toBeNull();
    expect(s.group).toBe("none");
    expect(s.labelSelector).toBe("");
  });

  it("renderer_choice_is_auto_unless_the_link_forces_one", () => {
    expect(decodeState("#/c/c1/topology").render).toBe("auto");
    expect(decodeState("#/c/c1/topology?render=webgl").render).toBe("webgl");
    expect(decodeState("#/c/c1/topology?render=points").render).toBe("points");
    expect(decodeState("#/c/c1/topology?render=vulkan").render).toBe("auto");
  });

  it("cluster_without_view_opens_topology_home", () => {
    expect(decodeState("#/c/c1").view).toBe("topology");
  });
});
