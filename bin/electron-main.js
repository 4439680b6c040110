// Electron's entry point: load the TypeScript main process through tsx (the same sources the CLI runs).
import { register } from 'tsx/esm/api';

register();
await import('../app/main.ts');
