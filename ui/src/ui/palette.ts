// The command palette (Ctrl-K): one input that jumps to any object the current view
// knows by name, switches cluster or view, and runs the global commands. A native
// <dialog> gives the focus trap and Escape for free.

import type { Searchable } from "../context";
import { h, replaceChildren } from "./dom";
import { kindGlyph, kindRank } from "./kinds";

export interface PaletteItem {
  label: string;
  hint: string;
  glyph?: string;
  run(): void;
}

export interface PaletteSources {
  commands(): PaletteItem[];
  objects(): Searchable[];
  openObject(o: Searchable): void;
}

/** Scores a candidate: exact name, then prefix, then substring; -1 when it does not match. */
export function matchScore(query: string, text: string): number {
  const q = query.toLowerCase();
  const t = text.toLowerCase();
  if (!q) return 0;
  if (t === q) return 100;
  if (t.startsWith(q)) return 80 - Math.min(40, t.length - q.length);
  const i = t.indexOf(q);
  if (i >= 0) return 50 - Math.min(40, i);
  return -1;
}

export class CommandPalette {
  private readonly dialog: HTMLDialogElement;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLElement;
  private items: PaletteItem[] = [];
  private active = 0;

  constructor(private readonly sources: PaletteSources) {
    this.input = h("input", {
      id: "palette-input",
      type: "text",
      role: "combobox",
      "aria-expanded": "true",
      "aria-controls": "palette-list",
      "aria-autocomplete": "list",
      placeholder: "Jump to an object, cluster or view…",
      autocomplete: "off",
      spellcheck: false,
    });
    this.list = h("ul", { id: "palette-list", role: "listbox", "aria-label": "Results" });
    this.dialog = h(
      "dialog",
      { class: "palette", "aria-label": "Command palette" },
      h("label", { for: "palette-input", class: "sr-only" }, "Command"),
      this.input,
      this.list,
      h("p", { class: "muted small palette-hint" }, "↑↓ choose · Enter open · Esc close"),
    );
    document.body.appendChild(this.dialog);
    this.input.addEventListener("input", () => this.search());
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.dialog.addEventListener("click", (e) => e.target === this.dialog && this.close());
  }

  open(): void {
    if (this.dialog.open) return;
    this.input.value = "";
    this.search();
    this.dialog.showModal();
    this.input.focus();
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  private search(): void {
    const q = this.input.value.trim();
    const scored: { s: number; item: PaletteItem }[] = [];
    for (const c of this.sources.commands()) {
      const s = q ? matchScore(q, c.label) : 1;
      if (s >= 0) scored.push({ s: s + 5, item: c });
    }
    if (q) {
      for (const o of this.sources.objects()) {
        const m = Math.max(matchScore(q, o.name), matchScore(q, o.id) - 10);
        if (m < 0) continue;
        // Equal names: the Deployment before its PodDisruptionBudget, Events last.
        const s = m - kindRank(o.kind) / 20 - (o.kind === "Event" ? 30 : 0);
        scored.push({ s, item: { label: o.name, hint: `${o.kind}${o.namespace ? ` · ${o.namespace}` : ""}`, glyph: kindGlyph(o.kind), run: () => this.sources.openObject(o) } });
        if (scored.length > 5000) break;
      }
    }
    scored.sort((a, b) => b.s - a.s);
    this.items = scored.slice(0, 50).map((x) => x.item);
    this.active = 0;
    this.paint();
  }

  private paint(): void {
    replaceChildren(
      this.list,
      this.items.length
        ? this.items.map((it, i) =>
            h(
              "li",
              {
                id: `palette-opt-${i}`,
                role: "option",
                "aria-selected": String(i === this.active),
                class: i === this.active ? "active" : "",
                onclick: () => this.run(i),
              },
              it.glyph ? h("span", { class: "glyph" }, it.glyph) : null,
              h("span", { class: "palette-label" }, it.label),
              h("span", { class: "muted small" }, it.hint),
            ),
          )
        : h("li", { class: "muted", role: "option", "aria-disabled": "true" }, "Nothing matches"),
    );
    this.input.setAttribute("aria-activedescendant", this.items.length ? `palette-opt-${this.active}` : "");
    this.list.children[this.active]?.scrollIntoView({ block: "nearest" });
  }

  private run(i: number): void {
    const it = this.items[i];
    if (!it) return;
    this.close();
    it.run();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "ArrowDown") this.active = Math.min(this.items.length - 1, this.active + 1);
    else if (e.key === "ArrowUp") this.active = Math.max(0, this.active - 1);
    else if (e.key === "Enter") return void (e.preventDefault(), this.run(this.active));
    else return;
    e.preventDefault();
    this.paint();
  }
}
