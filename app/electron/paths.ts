import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The app's root folder (the repository when run from source, `resources/app.asar` when packaged). */
export const APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built renderer (`npm run build:renderer`). */
export const RENDERER_DIR = path.join(APP_ROOT, 'renderer', 'dist');
/** The preload bundle (`node bin/build-electron.js`): one CommonJS file, as sandboxed preloads require. */
export const PRELOAD_FILE = path.join(APP_ROOT, 'build', 'electron', 'preload.cjs');
