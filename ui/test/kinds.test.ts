// The resource browser's sections: built from GET /clusters/{c} `types` only, grouped by
// the known-kind table, the built-in group table, or else as custom resources.
import { describe, expect, it } from "vitest";
import type { ResourceType } from "../src/api/types";
import { CUSTOM_RESOURCES, findType, groupResourceTypes } from "../src/ui/kinds";

function type(kind: string, group: string, resource: string, extra: Partial<ResourceType> = {}): ResourceType {
  return { group, version: "v1", resource, kind, namespaced: true, state: "watching", objects: 0, synced: true, ...extra };
}

const catalogue: ResourceType[] = [
  type("Secret", "", "secrets", { objects: 3 }),
  type("Widget", "example.com", "widgets", { objects: 4 }),
  type("Pod", "", "pods", { objects: 16 }),
  type("Deployment", "apps", "deployments", { objects: 7 }),
  type("Lease", "coordination.k8s.io", "leases", { objects: 2 }),
  type("Gadget", "acme.io", "gadgets", { objects: 1 }),
  type("Role", "rbac.authorization.k8s.io", "roles", { state: "forbidden", objects: 0 }),
  type("FutureThing", "apps", "futurethings"),
  type("Node", "", "nodes", { namespaced: false, objects: 3 }),
];

const names = (sections: ReturnType<typeof groupResourceTypes>) => sections.map((s) => s.name);
const refs = (sections: ReturnType<typeof groupResourceTypes>, name: string) => sections.find((s) => s.name === name)?.types.map((t) => t.ref);

describe("resource browser sections from the cluster's catalogue", () => {
  it("crd_lands_under_custom_resources_with_its_group_shown", () => {
    const sections = groupResourceTypes(catalogue);
    expect(refs(sections, CUSTOM_RESOURCES)).toEqual(["Gadget.acme.io", "Widget.example.com"]);
    const widget = sections.flatMap((s) => s.types).find((t) => t.kind === "Widget")!;
    expect(widget.groupHint).toBe("example.com");
    expect(widget.objects).toBe(4);
  });

  it("sections_follow_kubectl_order_and_omit_empty_ones", () => {
    const sections = groupResourceTypes(catalogue);
    expect(names(sections)).toEqual(["Workloads", "Config & storage", "RBAC & policy", "Cluster", CUSTOM_RESOURCES]);
    // The table's order first (Pod before Deployment), then built-in types it does not name.
    expect(refs(sections, "Workloads")).toEqual(["Pod", "Deployment.apps", "FutureThing.apps"]);
    expect(refs(sections, "Cluster")).toEqual(["Node", "Lease.coordination.k8s.io"]);
  });

  it("lists_only_what_the_cluster_serves", () => {
    expect(groupResourceTypes([])).toEqual([]);
    const all = groupResourceTypes(catalogue).flatMap((s) => s.types.map((t) => t.ref));
    expect(all).toHaveLength(catalogue.length);
    expect(all).not.toContain("Service");
  });

  it("forbidden_types_are_marked_with_a_reason_and_no_count", () => {
    const role = groupResourceTypes(catalogue).flatMap((s) => s.types).find((t) => t.kind === "Role")!;
    expect(role.forbidden).toBe(true);
    expect(role.objects).toBeNull();
    expect(role.note).toMatch(/may not list roles\.rbac\.authorization\.k8s\.io/);
    const pod = groupResourceTypes(catalogue).flatMap((s) => s.types).find((t) => t.kind === "Pod")!;
    expect(pod.forbidden).toBe(false);
    expect(pod.note).toBe("");
  });

  it("counts_come_from_objects_once_listed", () => {
    const sections = groupResourceTypes([
      type("Pod", "", "pods", { objects: 16 }),
      type("Job", "batch", "jobs", { objects: 0 }),
      type("CronJob", "batch", "cronjobs", { objects: 5, synced: false, state: "listing" }),
      type("DaemonSet", "apps", "daemonsets", { objects: 2, state: "backoff" }),
    ]);
    const byKind = Object.fromEntries(sections.flatMap((s) => s.types).map((t) => [t.kind, t]));
    expect(byKind.Pod!.objects).toBe(16);
    expect(byKind.Job!.objects).toBe(0);
    // Not listed yet: a partial count would read as the truth.
    expect(byKind.CronJob!.objects).toBeNull();
    expect(byKind.CronJob!.note).toMatch(/Not listed yet/);
    expect(byKind.DaemonSet!.objects).toBe(2);
    expect(byKind.DaemonSet!.note).toMatch(/backoff/);
  });

  it("same_kind_in_two_groups_is_told_apart_and_versions_listed_once", () => {
    const sections = groupResourceTypes([
      type("Event", "", "events", { objects: 9 }),
      type("Event", "events.k8s.io", "events", { objects: 9 }),
      type("Widget", "example.com", "widgets", { version: "v1" }),
      type("Widget", "example.com", "widgets", { version: "v1beta1" }),
    ]);
    const all = sections.flatMap((s) => s.types);
    expect(all.map((t) => [t.ref, t.groupHint])).toEqual([
      ["Event", "core"],
      ["Event.events.k8s.io", "events.k8s.io"],
      ["Widget.example.com", "example.com"],
    ]);
  });

  it("url_kind_finds_its_entry_like_the_server_resolves_it", () => {
    const sections = groupResourceTypes(catalogue);
    expect(findType(sections, "Deployment.apps")?.ref).toBe("Deployment.apps");
    expect(findType(sections, "deployments")?.ref).toBe("Deployment.apps");
    expect(findType(sections, "widgets.example.com")?.ref).toBe("Widget.example.com");
    expect(findType(sections, "pod")?.ref).toBe("Pod");
    expect(findType(sections, "Service")).toBeNull();
  });
});
