// A virtualised table: fixed-height rows, and only the rows in view (plus overscan) in
// the DOM, recycled as the user scrolls. Sortable headers, keyboard row navigation
// (arrows, Page Up/Down, Home/End, Enter opens), ARIA row counts for screen readers.

import { h, replaceChildren } from "./dom";
import { scrollToRow, virtualWindow } from "./virtual";

export interface Column<T> {
  key: string;
  label: string;
  width: string;
  /** Header tooltip (a column's description, "wide column"). */
  title?: string | undefined;
  /** "end": numbers and ages, right-aligned. */
  align?: "end" | undefined;
  render(row: T): string | Node;
  sortValue?(row: T): string | number;
}

export interface TableOptions<T> {
  label: string;
  rowHeight?: number;
  rowKey(row: T): string;
  onOpen(row: T): void;
  onSort(key: string): void;
}

export class VirtualTable<T> {
  readonly el: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private readonly head: HTMLElement;
  private rows: T[] = [];
  private columns: Column<T>[] = [];
  private active = -1;
  private selectedKey: string | null = null;
  private readonly rh: number;
  private frame = 0;
  private sortKey: string | null = null;
  private desc = false;

  constructor(private readonly o: TableOptions<T>) {
    this.rh = o.rowHeight ?? 32;
    this.head = h("div", { class: "vt-head", role: "row", "aria-rowindex": "1" });
    this.body = h("div", { class: "vt-body", role: "rowgroup" });
    this.spacer = h("div", { class: "vt-spacer" }, this.body);
    this.scroller = h("div", { class: "vt-scroll", tabindex: "0" }, this.spacer);
    this.el = h("div", { class: "vt", role: "table", "aria-label": o.label }, h("div", { role: "rowgroup" }, this.head), this.scroller);
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.scroller.addEventListener("keydown", (e) => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  setColumns(cols: Column<T>[], sortKey: string | null, desc: boolean): void {
    this.columns = cols;
    this.sortKey = sortKey;
    this.desc = desc;
    this.el.style.setProperty("--vt-cols", cols.map((c) => c.width).join(" "));
    replaceChildren(
      this.head,
      cols.map((c) => {
        const sorted = sortKey === c.key;
        return h(
          "div",
          { class: `vt-th${c.align === "end" ? " vt-end" : ""}`, role: "columnheader", "aria-sort": sorted ? (desc ? "descending" : "ascending") : "none", title: c.title, dataset: { col: c.key } },
          h("button", { type: "button", class: "vt-sort", onclick: () => this.o.onSort(c.key) }, c.label, sorted ? (desc ? " ▼" : " ▲") : ""),
        );
      }),
    );
    this.paint();
  }

  setRows(rows: T[], selectedKey: string | null = this.selectedKey): void {
    this.rows = rows;
    this.selectedKey = selectedKey;
    this.el.setAttribute("aria-rowcount", String(rows.length + 1));
    if (this.active >= rows.length) this.active = rows.length - 1;
    this.paint();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const w = virtualWindow(this.scroller.scrollTop, this.scroller.clientHeight || 600, this.rh, this.rows.length, 6);
    this.spacer.style.height = `${w.totalHeight}px`;
    this.body.style.transform = `translateY(${w.offset}px)`;
    const need = w.end - w.start;
    // Recycle row elements: grow or shrink the pool to the window size.
    while (this.body.children.length < need) this.body.appendChild(h("div", { class: "vt-row", role: "row" }));
    while (this.body.children.length > need) this.body.lastElementChild!.remove();
    for (let i = 0; i < need; i++) {
      const idx = w.start + i;
      const row = this.rows[idx]!;
      const el = this.body.children[i] as HTMLElement;
      const key = this.o.rowKey(row);
      el.setAttribute("aria-rowindex", String(idx + 2));
      el.dataset.key = key;
      el.dataset.index = String(idx);
      el.classList.toggle("active", idx === this.active);
      el.classList.toggle("selected", key === this.selectedKey);
      el.setAttribute("aria-selected", String(key === this.selectedKey));
      el.onclick = () => {
        this.active = idx;
        this.o.onOpen(row);
      };
      replaceChildren(
        el,
        this.columns.map((c) => {
          const v = c.render(row);
          return h("div", { class: `vt-td vt-${c.key.replace(/[^A-Za-z0-9_-]/g, "_")}${c.align === "end" ? " vt-end" : ""}`, role: "cell", title: typeof v === "string" ? v : undefined }, v);
        }),
      );
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.rows.length) return;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / this.rh) - 1);
    let next = this.active;
    switch (e.key) {
      case "ArrowDown":
        next = Math.min(this.rows.length - 1, this.active + 1);
        break;
      case "ArrowUp":
        next = Math.max(0, this.active - 1);
        break;
      case "PageDown":
        next = Math.min(this.rows.length - 1, this.active + page);
        break;
      case "PageUp":
        next = Math.max(0, this.active - page);
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = this.rows.length - 1;
        break;
      case "Enter":
        if (this.active >= 0) this.o.onOpen(this.rows[this.active]!);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.active = next;
    this.scroller.scrollTop = scrollToRow(next, this.scroller.scrollTop, this.scroller.clientHeight, this.rh);
    this.paint();
    const label = this.columns[0] ? this.columns[0].render(this.rows[next]!) : "";
    this.scroller.setAttribute("aria-label", `Row ${next + 1} of ${this.rows.length}: ${typeof label === "string" ? label : ""}`);
  }

  get columnLabels(): string[] {
    return this.columns.map((c) => c.label);
  }

  get columnKeys(): string[] {
    return this.columns.map((c) => c.key);
  }

  get sort(): { key: string | null; desc: boolean } {
    return { key: this.sortKey, desc: this.desc };
  }
}
