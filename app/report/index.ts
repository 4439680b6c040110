/**
 * app/report — reports engineers can forward (self-contained HTML, PDF, CSV + JSON of per-image results) and the
 * deployable model's companions (model card JSON, NVIDIA Triton model repository).
 */
export { generateReport, printReportPdf, REPORT_FILES, type GeneratedReport, type GenerateOptions } from './generate.js';
export { buildReportContent, type ReportContent, type ReportOptions, type ReportResult } from './content.js';
export { renderReportHtml } from './html.js';
export { resultsToCsv, resultsToJson, parseResultsCsv, CSV_COLUMNS } from './results-table.js';
export { parseBandsFlag } from './bands.js';
export {
  chromiumPdfPrinter,
  electronPdfPrinter,
  defaultPdfPrinter,
  setMainPdfPrinter,
  mainPdfPrinter,
  type PdfPrinter,
  type PrintableWindow,
} from './pdf.js';
export { modelCardFromRecord, withOnnx, writeModelCard, modelCardPathFor, type ModelCard } from './model-card.js';
export { writeTritonRepository, tritonConfigFor, renderTritonConfig, tritonName, type TritonConfig } from './triton.js';
export { describeOnnx, type OnnxDescription, type OnnxTensorInfo } from './onnx-io.js';
