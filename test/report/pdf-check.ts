import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

/** Page count of a PDF, from poppler's pdfinfo. */
export function pdfPages(file: string): number {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const m = /^Pages:\s+(\d+)/m.exec(info);
  if (!m) throw new Error(`pdfinfo gave no page count for ${file}`);
  return Number(m[1]);
}

/** Renders one page with pdftoppm and returns the standard deviation of its grey levels (0 = blank page). */
export function pageInk(file: string, page: number, workDir: string): { stddev: number; png: string; darkFraction: number } {
  const prefix = path.join(workDir, `page-${page}`);
  execFileSync('pdftoppm', ['-png', '-r', '40', '-f', String(page), '-l', String(page), '-singlefile', file, prefix]);
  const png = `${prefix}.png`;
  const img = PNG.sync.read(fs.readFileSync(png));
  let sum = 0;
  let sq = 0;
  let dark = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const g = (img.data[i * 4]! + img.data[i * 4 + 1]! + img.data[i * 4 + 2]!) / 3;
    sum += g;
    sq += g * g;
    if (g < 128) dark++;
  }
  const mean = sum / n;
  return { stddev: Math.sqrt(Math.max(0, sq / n - mean * mean)), png, darkFraction: dark / n };
}
