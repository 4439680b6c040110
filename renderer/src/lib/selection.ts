/**
 * Grid selection as a pure value: the selected ids, the anchor for shift-ranges and whether "all filtered" is
 * selected. "All filtered" is a flag, not a list, so selecting 100k images costs nothing and bulk actions send the
 * filter instead of ids. Every operation returns a new Selection; the order of ids comes from the grid.
 */
export interface Selection {
  /** Explicitly selected ids (when `all` is true: the ids excluded from "all"). */
  readonly ids: ReadonlySet<number>;
  readonly anchor: number | null;
  readonly all: boolean;
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null, all: false };

export interface ClickModifiers {
  readonly shift?: boolean;
  /** Ctrl on Windows/Linux, Cmd on macOS. */
  readonly toggle?: boolean;
}

/** `order` is the id at each grid position (may be a lazily filled array: only the indices between anchor and target are read). */
export interface Ordering {
  indexOf(id: number): number;
  idAt(index: number): number | undefined;
}

export function orderingOf(ids: readonly number[]): Ordering {
  const pos = new Map<number, number>();
  ids.forEach((id, i) => pos.set(id, i));
  return { indexOf: (id) => pos.get(id) ?? -1, idAt: (i) => ids[i] };
}

export function isSelected(sel: Selection, id: number): boolean {
  return sel.all ? !sel.ids.has(id) : sel.ids.has(id);
}

export function selectedCount(sel: Selection, total: number): number {
  return sel.all ? total - sel.ids.size : sel.ids.size;
}

function rangeIds(order: Ordering, a: number, b: number): number[] {
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  if (ia < 0 || ib < 0) return [b];
  const out: number[] = [];
  for (let i = Math.min(ia, ib); i <= Math.max(ia, ib); i++) {
    const id = order.idAt(i);
    if (id !== undefined) out.push(id);
  }
  return out;
}

/** A click on an item: plain = only it; toggle = flip it; shift = range from the anchor (added with toggle). */
export function click(sel: Selection, id: number, mods: ClickModifiers, order: Ordering): Selection {
  if (mods.shift && sel.anchor !== null) {
    const range = rangeIds(order, sel.anchor, id);
    if (mods.toggle) {
      const ids = new Set(sel.ids);
      for (const r of range) {
        if (sel.all) ids.delete(r);
        else ids.add(r);
      }
      return { ids, anchor: sel.anchor, all: sel.all };
    }
    return { ids: new Set(range), anchor: sel.anchor, all: false };
  }
  if (mods.toggle) {
    const ids = new Set(sel.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: id, all: sel.all };
  }
  return { ids: new Set([id]), anchor: id, all: false };
}

export function selectAll(): Selection {
  return { ids: new Set(), anchor: null, all: true };
}

export function clearSelection(): Selection {
  return EMPTY_SELECTION;
}

/** The ids to send for a bulk action, or 'all' meaning "everything matching the filter, minus `except`". */
export function bulkTarget(sel: Selection): { kind: 'ids'; ids: number[] } | { kind: 'all'; except: number[] } {
  return sel.all ? { kind: 'all', except: [...sel.ids] } : { kind: 'ids', ids: [...sel.ids] };
}
