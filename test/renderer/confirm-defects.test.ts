import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ConfirmDefectsDialog from '../../renderer/src/components/ConfirmDefectsDialog.svelte';

const defects = [
  { imageId: 3, originalPath: 'fabric/test/scratch/001.png', label: 'defect', defectType: 'scratch', hasMask: true },
  { imageId: 9, originalPath: 'fabric/test/good/004.png', label: 'good', defectType: null, hasMask: true },
];

describe('the warning before labelled defects become good training images', () => {
  it('lists each labelled defect with what marks it, and defaults to changing nothing', async () => {
    const onconfirm = vi.fn();
    const oncancel = vi.fn();
    render(ConfirmDefectsDialog, { defects, total: 5, onconfirm, oncancel });
    const dialog = screen.getByRole('alertdialog', { name: '2 of 5 false alarms are labelled defects' });
    expect(dialog.textContent?.replace(/\s+/g, ' ')).toContain('teaches the model that these defects are normal');
    const rows = screen.getAllByTestId('labelled-defect').map((r) => r.textContent);
    expect(rows[0]).toContain('labelled defect · type scratch · has a defect mask');
    expect(rows[1]).toContain('labelled good · has a defect mask');
    // Focus is on Cancel: Enter or Escape leave the data alone.
    expect(document.activeElement?.textContent).toBe('Cancel — change nothing');
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(oncancel).toHaveBeenCalledTimes(1);
    expect(onconfirm).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Make them good training images' }));
    expect(onconfirm).toHaveBeenCalledTimes(1);
  });
});
