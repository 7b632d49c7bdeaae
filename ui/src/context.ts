// What every view receives: the API clients, the cluster directory, the current view
// state and a way to change it. Views never touch location.hash themselves.

import type { ApiClient } from "./api/http";
import type { LiveClient } from "./api/ws";
import type { ClusterDirectory } from "./state/clusters";
import type { ViewState } from "./state/url-state";
import type { Palette } from "./ui/theme";

export interface Searchable {
  id: string;
  kind: string;
  namespace: string;
  name: string;
  status?: string;
}

export interface Ctx {
  api: ApiClient;
  live: LiveClient;
  clusters: ClusterDirectory;
  state(): ViewState;
  /** Merges a patch into the view state; `replace` keeps it out of the history. */
  navigate(patch: Partial<ViewState>, opts?: { replace?: boolean }): void;
  palette(): Palette;
  onThemeChange(fn: (p: Palette) => void): () => void;
  /** The objects the current view knows, for the command palette and search. */
  setSearchable(source: (() => Searchable[]) | null): void;
}

export interface View {
  readonly el: HTMLElement;
  /** The state changed but the view kind and cluster did not: update in place. */
  update(state: ViewState, prev: ViewState): void;
  destroy(): void;
}
