import { describe, expect, it } from "vitest";
import type { ColumnDefinition, ResourceItem } from "../src/api/types";
import { compareSortValues, dateCell, formatAge, parseAge, planColumns, renderCell, sortCell } from "../src/views/resource-columns";
import { decodeState, encodeState, DEFAULT_STATE } from "../src/state/url-state";

const NOW = Date.parse("2026-11-27T12:00:00Z");

function item(name: string, columns: Record<string, unknown>, created = "2026-11-27T11:00:00Z"): ResourceItem {
  return { id: `Certificate.example.com/shop/${name}`, kind: "Certificate.example.com", namespace: "shop", name, uid: "", created, status: "ok", columns };
}

// The server's definitions for a CRD with printer columns (as the list endpoint sends them).
const CERT_DEFS: ColumnDefinition[] = [
  { name: "READY", type: "string", priority: 0 },
  { name: "SECRET", type: "string", priority: 0 },
  { name: "ISSUER", type: "string", priority: 1, description: "The issuer" },
  { name: "RENEWALS", type: "integer", priority: 0 },
  { name: "RENEWED", type: "date", priority: 0 },
  { name: "AGE", type: "date", priority: 0 },
];

describe("resource table columns from columnDefinitions", () => {
  it("columns_follow_the_definitions_order_not_the_rows_keys", () => {
    // The rows' keys come in another order (and RENEWED after AGE): the definitions win.
    const rows = [item("a", { AGE: "5m", RENEWED: "3d", RENEWALS: "2", READY: "True", SECRET: "s", ISSUER: "x" })];
    const p = planColumns(CERT_DEFS, rows, true);
    expect(p.fromServer).toBe(true);
    expect(p.shown.map((c) => c.name)).toEqual(["READY", "SECRET", "ISSUER", "RENEWALS", "RENEWED", "AGE"]);
    expect(p.shown.find((c) => c.name === "AGE")!.role).toBe("age");
    expect(p.shown.find((c) => c.name === "ISSUER")!.description).toBe("The issuer");
  });

  it("wide_only_columns_are_hidden_until_wide", () => {
    const narrow = planColumns(CERT_DEFS, [], false);
    expect(narrow.shown.map((c) => c.name)).toEqual(["READY", "SECRET", "RENEWALS", "RENEWED", "AGE"]);
    expect(narrow.hidden.map((c) => c.name)).toEqual(["ISSUER"]);
    const wide = planColumns(CERT_DEFS, [], true);
    expect(wide.hidden).toEqual([]);
    expect(wide.shown.map((c) => c.name)).toContain("ISSUER");
  });

  it("pod_status_column_gets_the_status_role_and_node_ip_are_wide", () => {
    const defs: ColumnDefinition[] = [
      { name: "READY", type: "string", priority: 0 },
      { name: "STATUS", type: "string", priority: 0 },
      { name: "RESTARTS", type: "string", priority: 0 },
      { name: "NODE", type: "string", priority: 1 },
      { name: "IP", type: "string", priority: 1 },
      { name: "AGE", type: "date", priority: 0 },
    ];
    const p = planColumns(defs, [], false);
    expect(p.shown.map((c) => [c.name, c.role])).toEqual([
      ["READY", "plain"],
      ["STATUS", "status"],
      ["RESTARTS", "plain"],
      ["AGE", "age"],
    ]);
    expect(p.hidden.map((c) => c.name)).toEqual(["NODE", "IP"]);
  });

  it("name_and_namespace_definitions_are_not_repeated", () => {
    const p = planColumns([{ name: "Name", type: "string", priority: 0 }, { name: "NAMESPACE", type: "string", priority: 0 }, { name: "X", type: "string", priority: 0 }], [], false);
    expect(p.shown.map((c) => c.name)).toEqual(["X"]);
  });

  it("malformed_definitions_are_skipped_not_fatal", () => {
    const defs = [{ name: "A", type: "string", priority: 0 }, { type: "string" }, null, { name: "A", type: "integer", priority: 0 }, { name: "B" }] as unknown as ColumnDefinition[];
    const p = planColumns(defs, [], false);
    expect(p.shown.map((c) => [c.name, c.type, c.priority])).toEqual([
      ["A", "string", 0],
      ["B", "string", 0],
    ]);
  });

  it("an_older_server_without_definitions_falls_back_to_the_rows_keys_with_age_last", () => {
    const rows = [item("a", { AGE: "5m", DATA: "1" })];
    const p = planColumns(undefined, rows, false);
    expect(p.fromServer).toBe(false);
    expect(p.shown.map((c) => c.name)).toEqual(["DATA", "AGE"]);
    expect(p.shown[1]!.role).toBe("age");
  });
});

describe("date columns read as ages and sort by time", () => {
  it("kubectl_ages_parse_to_seconds", () => {
    expect(parseAge("45s")).toBe(45);
    expect(parseAge("5m30s")).toBe(330);
    expect(parseAge("3d5h")).toBe(3 * 86400 + 5 * 3600);
    expect(parseAge("2y100d")).toBe(2 * 365 * 86400 + 100 * 86400);
    expect(parseAge("<invalid>")).toBeNull();
    expect(parseAge("")).toBeNull();
    expect(parseAge("5 m")).toBeNull();
  });

  it("ages_are_written_as_kubectl_writes_them", () => {
    expect(formatAge(45)).toBe("45s");
    expect(formatAge(119)).toBe("119s");
    expect(formatAge(330)).toBe("5m30s");
    expect(formatAge(600)).toBe("10m");
    expect(formatAge(3 * 3600 + 5 * 60)).toBe("3h5m");
    expect(formatAge(20 * 3600)).toBe("20h");
    expect(formatAge(3 * 86400 + 5 * 3600)).toBe("3d5h");
    expect(formatAge(400 * 86400)).toBe("400d");
    expect(formatAge(3 * 365 * 86400 + 10 * 86400)).toBe("3y10d");
  });

  it("a_timestamp_cell_becomes_an_age_and_garbage_stays_as_sent", () => {
    expect(dateCell("2026-11-27T11:00:00Z", NOW)).toEqual({ text: "60m", seconds: 3600 });
    expect(dateCell("3d", NOW)).toEqual({ text: "3d", seconds: 3 * 86400 });
    expect(dateCell("<invalid>", NOW)).toEqual({ text: "<invalid>", seconds: null });
  });

  it("date_column_sorts_by_time_not_by_text", () => {
    const spec = planColumns(CERT_DEFS, [], false).shown.find((c) => c.name === "RENEWED")!;
    // As text "9d" > "10d" > "2h"; by time 2h < 9d < 10d; blanks and <invalid> last.
    const rows = [item("a", { RENEWED: "9d" }), item("b", { RENEWED: "10d" }), item("c", { RENEWED: "" }), item("d", { RENEWED: "2h" }), item("e", { RENEWED: "<invalid>" })];
    const sorted = [...rows].sort((x, y) => compareSortValues(sortCell(spec, x, NOW), sortCell(spec, y, NOW)));
    expect(sorted.map((r) => r.name)).toEqual(["d", "a", "b", "c", "e"]);
    expect(renderCell(spec, rows[0]!, NOW)).toBe("9d");
  });

  it("age_column_uses_the_creation_time_and_sorts_newest_first", () => {
    const spec = planColumns(CERT_DEFS, [], false).shown.find((c) => c.role === "age")!;
    const older = item("older", { AGE: "stale" }, "2026-11-20T12:00:00Z");
    const newer = item("newer", { AGE: "stale" }, "2026-11-27T11:59:15Z");
    expect(renderCell(spec, older, NOW)).toBe("7d");
    expect(renderCell(spec, newer, NOW)).toBe("45s");
    expect([older, newer].sort((x, y) => compareSortValues(sortCell(spec, x, NOW), sortCell(spec, y, NOW))).map((r) => r.name)).toEqual(["newer", "older"]);
    // Without a creation time the server's cell is used.
    expect(renderCell(spec, item("x", { AGE: "5m" }, ""), NOW)).toBe("5m");
  });

  it("integer_column_sorts_numerically_with_blanks_last", () => {
    const spec = planColumns(CERT_DEFS, [], false).shown.find((c) => c.name === "RENEWALS")!;
    const rows = [item("a", { RENEWALS: "12" }), item("b", { RENEWALS: "" }), item("c", { RENEWALS: 3 }), item("d", { RENEWALS: "7" })];
    const sorted = [...rows].sort((x, y) => compareSortValues(sortCell(spec, x), sortCell(spec, y)));
    expect(sorted.map((r) => r.name)).toEqual(["c", "d", "a", "b"]);
  });
});

describe("the wide toggle is part of the URL", () => {
  it("wide_round_trips_through_the_hash_and_defaults_off", () => {
    const s = { ...DEFAULT_STATE, view: "resources" as const, cluster: "demo", kind: "Pod", wide: true };
    const hash = encodeState(s);
    expect(hash).toContain("wide=1");
    expect(decodeState(hash).wide).toBe(true);
    expect(encodeState({ ...s, wide: false })).not.toContain("wide");
    expect(decodeState("#/c/demo/resources/Pod").wide).toBe(false);
  });
});
