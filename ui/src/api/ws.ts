// The live connection: one WebSocket to /api/v1/ws shared by every view.
// It reconnects with exponential backoff and jitter, re-sends each subscription with
// `since` set to the last resourceVersion that subscription saw, and hands `resync`
// to the subscriber (which then refetches and resubscribes). Cluster status messages
// go to status listeners. The socket owns nothing of the views' state.

import { backoffDelay, type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff";
import type { ClusterMessage, DeltaMessage, ServerMessage, SubscriptionScope } from "./types";

export type ConnectionState =
  | { kind: "connecting"; attempt: number }
  | { kind: "open"; since: number }
  | { kind: "waiting"; attempt: number; retryAt: number; lastError: string; downSince: number };

export interface SubscriptionHandlers {
  onDelta(msg: DeltaMessage): void;
  /** The server cannot resume this subscription: refetch the snapshot, then call resume(rv). */
  onResync(): void;
}

interface Sub {
  id: string;
  scope: SubscriptionScope;
  since: string | null;
  handlers: SubscriptionHandlers;
  /** The subscribe just sent names a snapshot the server confirmed current (see handle). */
  current?: boolean;
  /** No delta has arrived since the last subscribe. */
  fresh?: boolean;
}

/** "30183.7454" → "30183": the store resourceVersion part of a stream position. */
function storeRv(rv: string): string {
  const dot = rv.indexOf(".");
  return dot < 0 ? rv : rv.slice(0, dot);
}

/** Minimal socket surface, so tests can drive the client without a browser. */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface LiveClientOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  backoff?: BackoffPolicy;
  random?: () => number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  /** A connection must stay up this long before the attempt counter resets. */
  stableMs?: number;
}

const OPEN = 1;

export class LiveClient {
  private socket: SocketLike | null = null;
  private subs = new Map<string, Sub>();
  private nextId = 1;
  private attempt = 0;
  private openedAt = 0;
  private downSince = 0;
  private timer: unknown = null;
  private stopped = true;
  private state: ConnectionState = { kind: "connecting", attempt: 0 };
  private stateListeners = new Set<(s: ConnectionState) => void>();
  private clusterListeners = new Set<(m: ClusterMessage) => void>();
  private readonly o: Required<LiveClientOptions>;

  constructor(opts: LiveClientOptions) {
    this.o = {
      createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
      backoff: DEFAULT_BACKOFF,
      random: Math.random,
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
      stableMs: 5000,
      ...opts,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, "client stop");
    }
  }

  /** Re-dials now instead of waiting out the backoff (the "Retry now" action). */
  retryNow(): void {
    if (this.stopped || this.state.kind !== "waiting") return;
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
    this.connect();
  }

  getState(): ConnectionState {
    return this.state;
  }

  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  onCluster(fn: (m: ClusterMessage) => void): () => void {
    this.clusterListeners.add(fn);
    return () => this.clusterListeners.delete(fn);
  }

  /**
   * Subscribes to a scope starting after resourceVersion `since` (from the snapshot the
   * caller just fetched). Returns a handle to resume after a resync, or to unsubscribe.
   */
  subscribe(scope: SubscriptionScope, since: string | null, handlers: SubscriptionHandlers) {
    const id = `s${this.nextId++}`;
    const sub: Sub = { id, scope, since, handlers };
    this.subs.set(id, sub);
    this.sendSubscribe(sub);
    return {
      id,
      /** Called after a refetch: resubscribe from the new snapshot's resourceVersion. */
      resume: (rv: string | null) => {
        if (!this.subs.has(id)) return;
        sub.since = rv;
        this.sendSubscribe(sub);
      },
      lastResourceVersion: () => sub.since,
      unsubscribe: () => {
        if (!this.subs.delete(id)) return;
        this.sendRaw({ op: "unsubscribe", id });
      },
    };
  }

  private sendSubscribe(sub: Sub): void {
    sub.current = false;
    sub.fresh = true;
    const s = sub.scope;
    const msg: Record<string, unknown> = {
      op: "subscribe",
      id: sub.id,
      cluster: s.cluster,
      namespace: s.namespace,
      focus: s.focus,
      since: sub.since,
    };
    if (s.depth !== undefined) msg.depth = s.depth;
    if (s.kinds && s.kinds.length) msg.kinds = s.kinds;
    this.sendRaw(msg);
  }

  private sendRaw(msg: unknown): void {
    // While disconnected nothing is sent: on open every live subscription is re-sent.
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private connect(): void {
    this.timer = null;
    this.setState({ kind: "connecting", attempt: this.attempt });
    let sock: SocketLike;
    try {
      sock = this.o.createSocket(this.o.url);
    } catch (e) {
      this.scheduleReconnect(e instanceof Error ? e.message : String(e));
      return;
    }
    this.socket = sock;
    sock.onopen = () => {
      this.openedAt = this.o.now();
      this.downSince = 0;
      this.setState({ kind: "open", since: this.openedAt });
      for (const sub of this.subs.values()) this.sendSubscribe(sub);
    };
    sock.onmessage = (ev) => this.handle(ev.data);
    sock.onerror = () => {
      /* onclose follows and carries the code */
    };
    sock.onclose = (ev) => {
      if (this.socket !== sock) return;
      this.socket = null;
      if (this.openedAt && this.o.now() - this.openedAt >= this.o.stableMs) this.attempt = 0;
      this.openedAt = 0;
      const why =
        ev.code === 1008
          ? "dropped by the server for reading too slowly (1008)"
          : ev.code === 1006
            ? "connection lost"
            : `closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ""})`;
      this.scheduleReconnect(why);
    };
  }

  private scheduleReconnect(why: string): void {
    if (this.stopped) return;
    if (!this.downSince) this.downSince = this.o.now();
    const delay = backoffDelay(this.attempt, this.o.random, this.o.backoff);
    this.attempt++;
    this.setState({
      kind: "waiting",
      attempt: this.attempt,
      retryAt: this.o.now() + delay,
      lastError: why,
      downSince: this.downSince,
    });
    this.timer = this.o.setTimer(() => this.connect(), delay);
  }

  private handle(data: unknown): void {
    if (typeof data !== "string") return;
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (msg.type === "delta") {
      const d = msg as DeltaMessage;
      const sub = this.subs.get(d.sub);
      if (!sub) return;
      if (d.resourceVersion) sub.since = d.resourceVersion;
      sub.fresh = false;
      sub.current = false;
      sub.handlers.onDelta(d);
    } else if (msg.type === "subscribed") {
      // The server answers with its stream position, "STORE_RV.SEQ". Snapshots (topology,
      // lists) carry only STORE_RV, and a resume from that bare number is older than any
      // position with a sequence, so the server may answer a resync although nothing
      // changed. When the position it reports is at our snapshot's store version, the
      // snapshot is current: such a resync is ignored (refetching would only loop), and
      // later resumes use the exact position.
      const sub = typeof msg.sub === "string" ? this.subs.get(msg.sub) : undefined;
      const pos = typeof msg.resourceVersion === "string" ? msg.resourceVersion : null;
      if (sub && pos && sub.since && !sub.since.includes(".") && storeRv(pos) === sub.since) {
        sub.current = true;
        sub.since = pos;
      }
    } else if (msg.type === "resync") {
      const target = typeof msg.sub === "string" ? this.subs.get(msg.sub) : undefined;
      // A resync without a subscription id applies to every subscription.
      const subs = target ? [target] : [...this.subs.values()];
      for (const s of subs) {
        if (s.current && s.fresh) {
          s.current = false;
          continue;
        }
        s.since = null;
        s.handlers.onResync();
      }
    } else if (msg.type === "cluster") {
      for (const fn of this.clusterListeners) fn(msg as ClusterMessage);
    }
  }
}

/** ws:// or wss:// URL of the live endpoint for a page served from `loc`. */
export function liveUrl(loc: { protocol: string; host: string }, base = ""): string {
  const proto = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${loc.host}${base.replace(/\/$/, "")}/api/v1/ws`;
}
