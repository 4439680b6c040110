import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import GridHarness from './GridHarness.svelte';

// happy-dom has no layout: give elements the size of a 900×600 grid viewport so the window maths is exercised.
const saved = {
  w: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientWidth'),
  h: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight'),
};
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 900 });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
});
afterAll(() => {
  if (saved.w) Object.defineProperty(HTMLElement.prototype, 'clientWidth', saved.w);
  if (saved.h) Object.defineProperty(HTMLElement.prototype, 'clientHeight', saved.h);
});

describe('virtual thumbnail grid', () => {
  it('renders a window of cells, not 100k, and selects with click, shift-click and keyboard', async () => {
    render(GridHarness, { count: 100_000 });
    const cells = screen.getAllByTestId('cell');
    // 6 columns of 150 px × (4 visible + 2 overscan) rows of 170 px.
    expect(cells.length).toBe(36);
    const grid = screen.getByRole('listbox', { name: 'Numbers' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('cell-0');

    await fireEvent.click(cells[1]!);
    await fireEvent.click(cells[4]!, { shiftKey: true });
    expect(screen.getByTestId('selected').textContent).toBe('4');
    await fireEvent.click(cells[7]!, { ctrlKey: true });
    expect(screen.getByTestId('selected').textContent).toBe('5');

    // Keyboard: arrows move the focus (and select), down moves a row, shift+arrow extends, space toggles.
    await fireEvent.keyDown(grid, { key: 'ArrowRight' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('cell-8');
    expect(screen.getByTestId('selected').textContent).toBe('1');
    await fireEvent.keyDown(grid, { key: 'ArrowDown', shiftKey: true });
    expect(grid.getAttribute('aria-activedescendant')).toBe('cell-14');
    expect(screen.getByTestId('selected').textContent).toBe('7');
    await fireEvent.keyDown(grid, { key: ' ' });
    expect(screen.getByTestId('selected').textContent).toBe('6');
    await fireEvent.keyDown(grid, { key: 'End' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('cell-99999');
  });
});
