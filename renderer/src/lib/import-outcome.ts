/**
 * What an import job's report means for the person who started it: an import that found no image, or imported
 * nothing, is a failure or a warning to say plainly — never a green "succeeded · 0 imported".
 */
import { plural } from './format';

export interface ImportProblem {
  readonly file: string;
  readonly reason: string;
}

/** The import job's result (app/dataset/import.ts ImportReport), as far as the dialog reads it. */
export interface ImportReportView {
  readonly source: string;
  readonly found: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly masks: number;
  readonly failed: readonly ImportProblem[];
  readonly warnings?: readonly ImportProblem[];
  readonly skipped?: readonly ImportProblem[];
  readonly seconds: number;
}

export interface ImportOutcome {
  readonly level: 'ok' | 'warning' | 'error';
  readonly headline: string;
}

export function importOutcome(r: ImportReportView): ImportOutcome {
  const skipped = r.skipped?.length ?? 0;
  if (r.found === 0) {
    const notImported = [r.failed.length ? `${plural(r.failed.length, 'file')} not imported` : '', skipped ? `${plural(skipped, 'file')} skipped` : ''].filter(Boolean);
    const why = notImported.length ? `${notImported.join(', ')} (listed below)` : 'the folder holds no files';
    return { level: 'error', headline: `No images found in ${r.source}: nothing was imported — ${why}.` };
  }
  if (r.imported === 0 && r.failed.length > 0) {
    return { level: 'error', headline: `Nothing was imported: ${plural(r.failed.length, 'image')} could not be read (listed below).` };
  }
  if (r.imported === 0) {
    return { level: 'warning', headline: `Nothing new was imported: all ${plural(r.duplicates, 'image')} are already in the project.` };
  }
  if (r.failed.length > 0) {
    return { level: 'warning', headline: `Imported ${plural(r.imported, 'image')}; ${plural(r.failed.length, 'file')} could not be read (listed below).` };
  }
  return { level: 'ok', headline: `Imported ${plural(r.imported, 'image')}.` };
}
