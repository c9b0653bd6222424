/**
 * The error every checkpoint failure is reported as. Not retriable by default: a corrupt or
 * incompatible checkpoint stays so however often it is read; callers that know an I/O failure was
 * transient (a busy network share) may pass `retriable: true`.
 */

import { SluiceError, type SluiceErrorOptions } from "../kernels/errors.js";

export class CheckpointError extends SluiceError {
  constructor(message: string, options: SluiceErrorOptions = {}) {
    super(message, { ...options, retriable: options.retriable ?? false });
  }
}
