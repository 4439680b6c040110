// Worker entry point. Workers do not inherit the parent's TypeScript loader, so when the app runs from source
// (CLI through tsx, vitest) the worker registers tsx itself before importing the TypeScript job host.
// A packaged build points `entry` at compiled JavaScript and skips the loader.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
