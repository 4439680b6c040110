/**
 * Every job kind: the module that runs it in a worker thread (exports `run(ctx)`), and whether an interrupted
 * job of that kind can be resumed. Register a kind with one line here.
 */
export interface JobKindSpec {
  /** File URL of the module (resolved relative to this file so it works from source and when bundled). */
  readonly module: string;
  readonly resumable: boolean;
  readonly summary: string;
}

const here = (rel: string): string => new URL(rel, import.meta.url).href;

export const jobKinds: Record<string, JobKindSpec> = {
  import: { module: here('./kinds/import.ts'), resumable: false, summary: 'Import a dataset folder (MVTec AD, BTAD, VisA, generic)' },
  train: { module: here('./kinds/train.ts'), resumable: true, summary: 'Train a CL-Flow / FastFlow model (resumes from its last checkpoint)' },
  infer: { module: here('./kinds/infer.ts'), resumable: false, summary: 'Score a dataset split with a trained model' },
  report: { module: here('./kinds/report.ts'), resumable: false, summary: 'Write a report (HTML, PDF, CSV, JSON) of a model’s results' },
  'demo.create': { module: here('./kinds/demo.ts'), resumable: false, summary: 'Build the demo project (generate, import, later pipeline steps)' },
  'features.extract': { module: here('./kinds/features-extract.ts'), resumable: false, summary: 'Cache backbone features of a dataset’s clean images' },
  export: { module: here('./kinds/export.ts'), resumable: false, summary: 'Export a model: ONNX, model card and Triton repository in one folder' },
  'project.verify': { module: here('./kinds/project-verify.ts'), resumable: false, summary: 'Check the database and every stored file' },
};
