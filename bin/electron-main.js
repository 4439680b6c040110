// Electron's entry point: load the TypeScript main process through tsx (the same sources the CLI runs).
import fs from 'node:fs';
import path from 'node:path';

// Packaged, the sources sit in resources/app.asar. tsx transpiles through esbuild's native binary, which must be
// spawned from a real file: electron-builder unpacks it (asarUnpack) and esbuild is pointed at that copy, because
// esbuild itself does not know about asar.
if (import.meta.url.includes('app.asar') && !process.env.ESBUILD_BINARY_PATH) {
  const unpacked = path.join(process.resourcesPath ?? '', 'app.asar.unpacked', 'node_modules', '@esbuild', `${process.platform}-${process.arch}`);
  const binary = process.platform === 'win32' ? path.join(unpacked, 'esbuild.exe') : path.join(unpacked, 'bin', 'esbuild');
  if (fs.existsSync(binary)) process.env.ESBUILD_BINARY_PATH = binary;
}

const { register } = await import('tsx/esm/api');
register();
await import('../app/main.ts');
