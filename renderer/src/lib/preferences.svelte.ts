/**
 * Workstation preferences kept in this window's localStorage (per machine, not per project): theme, the
 * execution provider and thread count new training runs start with, and the default folder for new projects.
 */
export interface Preferences {
  theme: 'light' | 'dark';
  provider: 'auto' | 'cpu' | 'cuda';
  /** 0 = let ONNX Runtime decide. */
  threads: number;
  projectsFolder: string;
}

const KEY = 'flowspect-preferences';
const DEFAULTS: Preferences = { theme: 'light', provider: 'auto', threads: 0, projectsFolder: '' };

function read(): Preferences {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Preferences>;
    const legacyTheme = localStorage.getItem('flowspect-theme');
    return { ...DEFAULTS, ...(legacyTheme === 'dark' || legacyTheme === 'light' ? { theme: legacyTheme } : {}), ...raw };
  } catch {
    return { ...DEFAULTS };
  }
}

class PreferenceStore {
  value = $state<Preferences>(typeof localStorage === 'undefined' ? { ...DEFAULTS } : read());

  set<K extends keyof Preferences>(key: K, v: Preferences[K]): void {
    this.value[key] = v;
    localStorage.setItem(KEY, JSON.stringify(this.value));
    if (key === 'theme') {
      localStorage.setItem('flowspect-theme', String(v));
      document.documentElement.dataset.theme = String(v);
    }
  }
}

export const preferences = new PreferenceStore();
