/** Shared shapes of the importers. Labels and splits match the images table's CHECK constraints. */
import type { ImageLabel, Split as ImageSplit } from '../core/domain.js';
export type { ImageLabel, ImageSplit };
export type SourceFormat = 'mvtec' | 'btad' | 'visa' | 'folder' | 'demo';

/** One image found by a format scanner, before it is read. */
export interface ImportEntry {
  /** Absolute path of the image file. */
  readonly file: string;
  /** Dataset (category) the image belongs to; categories become datasets. */
  readonly category: string;
  readonly label: ImageLabel;
  readonly split: ImageSplit;
  readonly defectType: string | null;
  /** Absolute path of its defect mask, if the format provides one. */
  readonly maskFile: string | null;
}

/** A file that was not imported (or imported without its mask), with the reason in words. */
export interface ImportProblem {
  readonly file: string;
  readonly reason: string;
}

export interface ScanResult {
  readonly format: Exclude<SourceFormat, 'demo'>;
  readonly entries: ImportEntry[];
  /** Files that will not be imported (outside the layout, unreadable folders, broken links). */
  readonly problems: ImportProblem[];
  /** Things to know that do not stop a file (a mask without its image, a defect image without a mask). */
  readonly warnings: ImportProblem[];
  /** Files left out on purpose (unsupported format, hidden), with the reason; folder-walking layouts only. */
  readonly skipped?: ImportProblem[];
}

/** `counts`, where given, is how many of the found images have been read so far (the job shows a rate from it). */
export type ProgressFn = (fraction: number, message: string, counts?: { readonly done: number; readonly total: number }) => void;
