// The cluster directory: the list from GET /clusters, kept live by the WebSocket's
// {"type":"cluster"} messages (status changes in place, then one refetch for the
// details such as the error text and object counts). Shared by the header switcher
// and the cluster list view.

import type { ApiClient } from "../api/http";
import type { ApiError } from "../api/errors";
import type { Cluster } from "../api/types";
import type { LiveClient } from "../api/ws";
import { asApiError } from "../ui/error-view";

export class ClusterDirectory {
  clusters: Cluster[] = [];
  error: ApiError | null = null;
  loaded = false;
  /** When the list was last confirmed by the server. */
  confirmedAt = 0;
  private listeners = new Set<() => void>();
  private refetchTimer: ReturnType<typeof setTimeout> | null = null;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly api: ApiClient,
    live: LiveClient,
  ) {
    live.onCluster((m) => {
      const c = this.clusters.find((x) => x.id === m.id);
      if (c) {
        c.status = m.status;
        if (m.error !== undefined) c.error = m.error;
        this.confirmedAt = Date.now();
        this.emit();
      }
      this.scheduleRefetch();
    });
    let wasDown = false;
    live.onState((s) => {
      if (s.kind === "waiting") wasDown = true;
      if (s.kind === "open" && wasDown) {
        wasDown = false;
        void this.refresh();
      }
    });
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(id: string | null): Cluster | undefined {
    return id ? this.clusters.find((c) => c.id === id) : undefined;
  }

  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = (async () => {
      try {
        this.clusters = await this.api.clusters();
        this.error = null;
        this.confirmedAt = Date.now();
      } catch (e) {
        this.error = asApiError(e);
      } finally {
        this.loaded = true;
        this.inflight = null;
        this.emit();
      }
    })();
    return this.inflight;
  }

  private scheduleRefetch(): void {
    if (this.refetchTimer) return;
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = null;
      void this.refresh();
    }, 750);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
