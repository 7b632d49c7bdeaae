import { describe, expect, it } from "vitest";
import { toYaml } from "../src/ui/yaml";

describe("toYaml", () => {
  it("renders_a_secret_with_redacted_values_quoted", () => {
    const y = toYaml({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", labels: {} }, data: { password: "<redacted>" } });
    expect(y).toBe('apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  labels: {}\ndata:\n  password: "<redacted>"\n');
  });

  it("quotes_strings_that_yaml_would_misread", () => {
    const y = toYaml({ a: "true", b: "123", c: "", d: "x: y", e: "no" });
    expect(y).toBe('a: "true"\nb: "123"\nc: ""\nd: "x: y"\ne: "no"\n');
  });

  it("renders_lists_of_maps_in_kubernetes_style", () => {
    const y = toYaml({ spec: { containers: [{ name: "web", ports: [{ containerPort: 80 }] }], args: ["a", "b"] } });
    expect(y).toBe("spec:\n  containers:\n  - name: web\n    ports:\n    - containerPort: 80\n  args:\n  - a\n  - b\n");
  });

  it("renders_multiline_strings_as_blocks", () => {
    expect(toYaml({ s: "line1\nline2\n" })).toBe("s: |\n  line1\n  line2\n");
  });
});
