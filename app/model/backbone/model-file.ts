/** Reading a backbone's ONNX file for splicing (app/graph importOnnx) or for a session, with its hash checked. */
import { createHash } from 'node:crypto';
import type { BackboneInfo } from '../../core/backbone.js';
import { AppError } from '../../core/errors.js';
import { FileReadError, readBoundedFileSync } from '../../core/bounded-read.js';

/** The backbone's ONNX bytes; throws if the file changed since it was registered (its hash keys cached features). */
export function readBackboneBytes(info: BackboneInfo): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readBoundedFileSync(info.path, 'backbone');
  } catch (err) {
    throw new AppError('invalid_file', `backbone ${info.name}: cannot read ${info.path} (${err instanceof FileReadError ? err.reason : (err as Error).message})`, { file: info.path });
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== info.sha256) {
    throw new AppError('invalid_file', `backbone ${info.name}: ${info.path} has sha256 ${sha}, expected ${info.sha256}; the file was modified`, { file: info.path });
  }
  return bytes;
}

/** Throws unless (H, W) suit the backbone (multiples of its largest stride). */
export function checkInputSize(info: BackboneInfo, height: number, width: number): void {
  const m = info.input.multipleOf;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < m || width < m || height % m || width % m) {
    throw new AppError('invalid_request', `backbone ${info.name}: input ${height}×${width} must be positive multiples of ${m}`);
  }
}
