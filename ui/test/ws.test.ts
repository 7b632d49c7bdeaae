import { describe, expect, it } from "vitest";
import { LiveClient, liveUrl, type SocketLike } from "../src/api/ws";
import type { DeltaMessage } from "../src/api/types";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(d: string) {
    this.sent.push(JSON.parse(d) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
  push(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let now = 1000;
  const client = new LiveClient({
    url: "ws://h/api/v1/ws",
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    random: () => 0,
    now: () => now,
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => {},
  });
  return { client, sockets, timers, advance: (ms: number) => (now += ms) };
}

describe("LiveClient", () => {
  it("subscribes_on_open_and_resumes_from_last_seen_resource_version_after_reconnect", () => {
    const h = harness();
    h.client.start();
    const deltas: DeltaMessage[] = [];
    h.client.subscribe({ cluster: "c1", namespace: "shop", focus: null }, "100", { onDelta: (d) => deltas.push(d), onResync: () => {} });
    h.sockets[0]!.open();
    expect(h.sockets[0]!.sent[0]).toMatchObject({ op: "subscribe", id: "s1", cluster: "c1", namespace: "shop", since: "100" });
    h.sockets[0]!.push({ sub: "s1", type: "delta", resourceVersion: "130", nodes: { upsert: [] } });
    expect(deltas).toHaveLength(1);
    h.sockets[0]!.drop();
    expect(h.client.getState().kind).toBe("waiting");
    h.timers[0]!.fn();
    h.sockets[1]!.open();
    expect(h.sockets[1]!.sent[0]).toMatchObject({ op: "subscribe", id: "s1", since: "130" });
  });

  it("backs_off_exponentially_while_the_server_stays_down", () => {
    const h = harness();
    h.client.start();
    for (let i = 0; i < 5; i++) {
      h.sockets[i]!.drop();
      h.timers[i]!.fn();
    }
    // random() = 0 gives half of each ceiling: 250, 500, 1000, 2000, 4000.
    expect(h.timers.map((t) => t.ms)).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it("attempts_reset_only_after_a_stable_connection", () => {
    const h = harness();
    h.client.start();
    h.sockets[0]!.drop();
    h.timers[0]!.fn();
    h.sockets[1]!.open();
    h.sockets[1]!.drop(); // flapped right away: keep backing off
    expect(h.timers[1]!.ms).toBe(500);
    h.timers[1]!.fn();
    h.sockets[2]!.open();
    h.advance(10_000);
    h.sockets[2]!.drop();
    expect(h.timers[2]!.ms).toBe(250);
  });

  it("resync_clears_since_and_tells_the_subscriber", () => {
    const h = harness();
    h.client.start();
    let resyncs = 0;
    const sub = h.client.subscribe({ cluster: "c1", namespace: null, focus: null }, "5", { onDelta: () => {}, onResync: () => resyncs++ });
    h.sockets[0]!.open();
    h.sockets[0]!.push({ type: "resync" });
    expect(resyncs).toBe(1);
    expect(sub.lastResourceVersion()).toBeNull();
    sub.resume("900");
    expect(h.sockets[0]!.sent.at(-1)).toMatchObject({ op: "subscribe", id: sub.id, since: "900" });
  });

  it("unsubscribe_stops_deltas_and_tells_the_server", () => {
    const h = harness();
    h.client.start();
    let n = 0;
    const sub = h.client.subscribe({ cluster: "c1", namespace: null, focus: null }, null, { onDelta: () => n++, onResync: () => {} });
    h.sockets[0]!.open();
    sub.unsubscribe();
    expect(h.sockets[0]!.sent.at(-1)).toEqual({ op: "unsubscribe", id: sub.id });
    h.sockets[0]!.push({ sub: sub.id, type: "delta", resourceVersion: "2" });
    expect(n).toBe(0);
  });

  it("cluster_status_messages_reach_listeners_and_1008_is_explained", () => {
    const h = harness();
    h.client.start();
    const seen: string[] = [];
    h.client.onCluster((m) => seen.push(`${m.id}:${m.status}`));
    h.sockets[0]!.open();
    h.sockets[0]!.push({ type: "cluster", id: "c1", status: "disconnected" });
    expect(seen).toEqual(["c1:disconnected"]);
    h.sockets[0]!.drop(1008);
    const st = h.client.getState();
    expect(st.kind === "waiting" && st.lastError).toMatch(/too slowly/);
  });

  it("builds_ws_urls_matching_the_page_scheme", () => {
    expect(liveUrl({ protocol: "https:", host: "k.example:8443" })).toBe("wss://k.example:8443/api/v1/ws");
    expect(liveUrl({ protocol: "http:", host: "127.0.0.1:9" })).toBe("ws://127.0.0.1:9/api/v1/ws");
  });
  it("resync_right_after_subscribing_from_a_current_snapshot_is_ignored_but_later_ones_refetch", () => {
    const h = harness();
    h.client.start();
    let resyncs = 0;
    h.client.subscribe({ cluster: "big", namespace: null, focus: null }, "30183", { onDelta: () => {}, onResync: () => resyncs++ });
    const sock = h.sockets[0]!;
    sock.open();
    // The snapshot said 30183; the server's stream position is 30183.7454: nothing missed.
    sock.push({ sub: "s1", type: "subscribed", cluster: "big", resourceVersion: "30183.7454" });
    sock.push({ sub: "s1", type: "resync", resourceVersion: "30183.7454" });
    expect(resyncs).toBe(0);
    // A reconnect resumes from the exact position.
    sock.drop();
    h.timers.at(-1)!.fn();
    h.sockets[1]!.open();
    expect(h.sockets[1]!.sent[0]).toMatchObject({ op: "subscribe", since: "30183.7454" });
    // After a delta, a resync means the client fell behind: refetch.
    h.sockets[1]!.push({ sub: "s1", type: "delta", resourceVersion: "30190.1", nodes: { upsert: [], remove: [] }, edges: { upsert: [], remove: [] } });
    h.sockets[1]!.push({ sub: "s1", type: "resync" });
    expect(resyncs).toBe(1);
  });

  it("resync_when_the_server_is_ahead_of_the_snapshot_is_passed_on", () => {
    const h = harness();
    h.client.start();
    let resyncs = 0;
    h.client.subscribe({ cluster: "c", namespace: null, focus: null }, "100", { onDelta: () => {}, onResync: () => resyncs++ });
    h.sockets[0]!.open();
    h.sockets[0]!.push({ sub: "s1", type: "subscribed", resourceVersion: "250.3" });
    h.sockets[0]!.push({ sub: "s1", type: "resync" });
    expect(resyncs).toBe(1);
  });
});
