/**
 * What the soak's clients share and what they promise: the pool of known images (reads and edits pick from it) and
 * the ledger of every finished import and score job, which bench/soak/verify.ts checks against the database.
 */
import type { SoakClient } from './client.js';

export interface KnownImage {
  readonly id: number;
  readonly datasetId: number | null;
  readonly thumbnailPath: string | null;
}

export interface ImportRecord {
  readonly client: number;
  readonly jobId: number;
  readonly datasetId: number;
  readonly category: string;
  /** The sha256 of every file the client wrote into the folder. */
  readonly sha256: readonly string[];
}

export interface ScoreRecord {
  readonly client: number;
  readonly jobId: number;
  readonly modelId: number;
  readonly datasetId: number;
  /** The images the job said it scored. */
  readonly scored: number;
  /** The dataset's images as the client knew them when it started the job: each must have a result. */
  readonly imageIds: readonly number[];
}

export interface Shared {
  readonly modelId: number;
  readonly images: KnownImage[];
  readonly imports: ImportRecord[];
  readonly scores: ScoreRecord[];
  /** Seconds from start to seen finished, by job kind (queueing included). */
  readonly jobSeconds: Record<string, number[]>;
  /** Server-sent events received, by name. */
  readonly events: Record<string, number>;
}

/** One client's view: its connection, its random stream, what it imported, when to stop. */
export interface ClientContext {
  readonly index: number;
  readonly client: SoakClient;
  readonly shared: Shared;
  readonly random: () => number;
  /** Where it writes the folders it imports. */
  readonly workDir: string;
  /** performance.now() after which it starts nothing new. */
  readonly deadline: number;
  /** Its imported datasets, with the image ids each holds; `scored` once a score job covered them. */
  readonly datasets: { id: number; imageIds: number[]; scored: boolean }[];
}

export const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
