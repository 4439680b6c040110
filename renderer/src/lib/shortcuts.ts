/** Keyboard shortcuts per view: one table drives both the key handling and the help overlay. */
export interface Shortcut {
  /** KeyboardEvent.key values (case-insensitive for letters). */
  readonly keys: readonly string[];
  readonly label: string;
  readonly action: string;
}

export const SHORTCUTS: Readonly<Record<string, readonly Shortcut[]>> = {
  global: [
    { keys: ['?'], label: '?', action: 'help' },
    { keys: ['Escape'], label: 'Esc', action: 'close' },
  ],
  dataset: [
    { keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'], label: 'Arrows', action: 'move' },
    { keys: ['Enter'], label: 'Enter', action: 'open' },
    { keys: [' '], label: 'Space', action: 'toggle' },
    { keys: ['g'], label: 'G', action: 'label-good' },
    { keys: ['d'], label: 'D', action: 'label-defect' },
    { keys: ['i'], label: 'I', action: 'label-ignore' },
    { keys: ['a'], label: 'Ctrl+A', action: 'select-all' },
    { keys: ['z'], label: 'Ctrl+Z', action: 'undo' },
  ],
  review: [
    { keys: ['d', '1'], label: 'D / 1', action: 'defect' },
    { keys: ['f', '2'], label: 'F / 2', action: 'false_alarm' },
    { keys: ['s', '3'], label: 'S / 3', action: 'skip' },
    { keys: ['n', 'j', 'ArrowDown'], label: 'N / J / ↓', action: 'next' },
    { keys: ['p', 'k', 'ArrowUp'], label: 'P / K / ↑', action: 'previous' },
    { keys: ['o'], label: 'O', action: 'toggle-overlay' },
    { keys: ['r'], label: 'R', action: 'next-region' },
  ],
  // While the heatmap (image and anomaly map) has the focus: it takes these keys, the rest still reach Review.
  heatmap: [
    { keys: ['+', '='], label: '+', action: 'zoom-in' },
    { keys: ['-'], label: '−', action: 'zoom-out' },
    { keys: ['0'], label: '0', action: 'fit' },
    { keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'], label: 'Arrows', action: 'pan' },
  ],
  viewer: [
    { keys: ['+', '='], label: '+', action: 'zoom-in' },
    { keys: ['-'], label: '−', action: 'zoom-out' },
    { keys: ['0'], label: '0', action: 'fit' },
    { keys: ['b'], label: 'B', action: 'brush' },
    { keys: ['e'], label: 'E', action: 'eraser' },
    { keys: ['l'], label: 'L', action: 'polygon' },
    { keys: ['m'], label: 'M', action: 'toggle-mask' },
  ],
};

export const ACTION_TEXT: Readonly<Record<string, string>> = {
  help: 'Show or hide this help',
  close: 'Close dialog / viewer',
  move: 'Move the focus in the grid',
  open: 'Open the focused image',
  toggle: 'Toggle selection of the focused image',
  'label-good': 'Label selection good',
  'label-defect': 'Label selection defect',
  'label-ignore': 'Label selection ignore',
  'select-all': 'Select all filtered images',
  undo: 'Undo the last bulk change',
  defect: 'Confirm defect',
  false_alarm: 'Mark false alarm',
  skip: 'Skip (decide later)',
  next: 'Next result',
  previous: 'Previous result',
  'toggle-overlay': 'Heatmap overlay on / off',
  'next-region': 'Next flagged region of the anomaly map',
  pan: 'Pan the image and map',
  'zoom-in': 'Zoom in',
  'zoom-out': 'Zoom out',
  fit: 'Fit to window',
  brush: 'Brush tool',
  eraser: 'Eraser tool',
  polygon: 'Polygon tool (Enter closes)',
  'toggle-mask': 'Mask overlay on / off',
};

/** True when a key press goes to a form field (the person is typing there: a shortcut must not fire). */
export function isTyping(target: EventTarget | null): boolean {
  const t = target as { tagName?: string; isContentEditable?: boolean } | null;
  const tag = t?.tagName?.toUpperCase();
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || !!t?.isContentEditable;
}

/** Ctrl+Z (⌘Z on macOS) without Shift: undo. */
export function isUndo(ev: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey'>): boolean {
  return (ev.ctrlKey || ev.metaKey) && !ev.shiftKey && ev.key.toLowerCase() === 'z';
}

/** The action for a key press in a scope, or null. Typing in a form field never triggers a shortcut. */
export function actionFor(scope: string, ev: Pick<KeyboardEvent, 'key' | 'target'>): string | null {
  if (isTyping(ev.target)) return null;
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  for (const s of [...(SHORTCUTS[scope] ?? []), ...SHORTCUTS.global!]) {
    if (s.keys.includes(key)) return s.action;
  }
  return null;
}
