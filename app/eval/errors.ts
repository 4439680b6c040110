/**
 * Raised when a metric cannot be defined for the given input (one class only, NaN scores, size mismatch).
 * The message names the metric and the reason so a CLI or UI can show it as is.
 */
export class MetricInputError extends Error {
  override readonly name = 'MetricInputError';
}
