// Parts keep the names they had in the imported folder: the Dataset grid, the viewer and the Review list show an
// image's originalPath through PartName, never the sha256 name it is stored under.
import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import PartName from '../../renderer/src/components/PartName.svelte';

const SHA_NAME = `images/1/${'ab'.repeat(32)}.png`;

/** The rendered name element of one PartName (each render has its own container). */
function shown(name: string, keep?: number): HTMLElement {
  const { container } = render(PartName, { name, ...(keep ? { keep } : {}) });
  return container.querySelector<HTMLElement>('[data-testid="part-name"]')!;
}

describe('PartName', () => {
  it('shows the path in the imported folder, whole, with the last segments kept apart from the shrinking folders', () => {
    const el = shown('metal/test/scratch/003.png');
    expect(el.textContent).toBe('metal/test/scratch/003.png');
    expect(el.getAttribute('title')).toBe('metal/test/scratch/003.png');
    expect(el.querySelector('.tail')!.textContent).toBe('scratch/003.png');
    expect(el.querySelector('.head')!.textContent).toBe('metal/test/');
    expect(el.textContent).not.toContain(SHA_NAME);
  });

  it('tells apart parts whose file names repeat across folders', () => {
    const a = shown('metal/train/good/000.png', 3);
    const b = shown('metal/test/good/000.png', 3);
    expect(a.querySelector('.tail')!.textContent).toBe('train/good/000.png');
    expect(b.querySelector('.tail')!.textContent).toBe('test/good/000.png');
  });

  it('shows a name with fewer segments than it keeps as it is', () => {
    const el = shown('003.png');
    expect(el.querySelector('.head')!.textContent).toBe('');
    expect(el.textContent).toBe('003.png');
  });
});
