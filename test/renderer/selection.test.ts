import { describe, expect, it } from 'vitest';
import { bulkTarget, click, EMPTY_SELECTION, isSelected, orderingOf, selectAll, selectedCount } from '../../renderer/src/lib/selection';

const order = orderingOf([10, 11, 12, 13, 14, 15]);
const ids = (s: { ids: ReadonlySet<number> }) => [...s.ids].sort((a, b) => a - b);

describe('grid selection', () => {
  it('a plain click selects only the clicked image and sets the anchor', () => {
    let s = click(EMPTY_SELECTION, 11, {}, order);
    s = click(s, 13, {}, order);
    expect(ids(s)).toEqual([13]);
    expect(s.anchor).toBe(13);
  });

  it('ctrl/cmd toggles single images without losing the rest', () => {
    let s = click(EMPTY_SELECTION, 11, {}, order);
    s = click(s, 14, { toggle: true }, order);
    expect(ids(s)).toEqual([11, 14]);
    s = click(s, 11, { toggle: true }, order);
    expect(ids(s)).toEqual([14]);
  });

  it('shift selects the range from the anchor in grid order, either direction', () => {
    let s = click(EMPTY_SELECTION, 13, {}, order);
    s = click(s, 11, { shift: true }, order);
    expect(ids(s)).toEqual([11, 12, 13]);
    // A second shift-click re-ranges from the same anchor.
    s = click(s, 15, { shift: true }, order);
    expect(ids(s)).toEqual([13, 14, 15]);
  });

  it('ctrl+shift adds a range to the existing selection', () => {
    let s = click(EMPTY_SELECTION, 10, {}, order);
    s = click(s, 13, { toggle: true }, order);
    s = click(s, 15, { shift: true, toggle: true }, order);
    expect(ids(s)).toEqual([10, 13, 14, 15]);
  });

  it('select-all is a flag: counts come from the filter total; ctrl-click excludes', () => {
    let s = selectAll();
    expect(selectedCount(s, 100_000)).toBe(100_000);
    expect(isSelected(s, 12)).toBe(true);
    s = click(s, 12, { toggle: true }, order);
    expect(isSelected(s, 12)).toBe(false);
    expect(selectedCount(s, 100_000)).toBe(99_999);
    expect(bulkTarget(s)).toEqual({ kind: 'all', except: [12] });
    s = click(s, 14, {}, order);
    expect(bulkTarget(s)).toEqual({ kind: 'ids', ids: [14] });
  });
});
