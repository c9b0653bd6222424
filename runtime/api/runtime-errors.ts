/** Errors of the runtime's areas, all `SluiceError`s with `retriable` and `cause`. */

import { SluiceError, type SluiceErrorOptions } from "../../kernels/errors.js";

/** A pipeline that cannot run as written: reported at plan time, before any data flows. */
export class PlanError extends SluiceError {
  /** `file:line` for spec files, when known. */
  readonly location: string | undefined;

  constructor(message: string, options: SluiceErrorOptions & { location?: string } = {}) {
    const where = [options.location, options.step ? `step '${options.step}'` : undefined].filter(Boolean).join(", ");
    super(where ? `${where}: ${message}` : message, options);
    this.location = options.location;
  }
}

/** A source or sink failed to read or write (retriable when the cause is transient). */
export class ConnectorError extends SluiceError {}

/** A model failed to load, warm up or run. */
export class ModelError extends SluiceError {}

/** A record could not be processed (corrupt image, wrong shape): dead-lettered by default. */
export class RecordError extends SluiceError {}

/** Fetching an object failed (404, timeout, size limit). Timeouts and 5xx are retriable. */
export class FetchError extends SluiceError {
  readonly status: number | undefined;

  constructor(message: string, options: SluiceErrorOptions & { status?: number } = {}) {
    super(message, options);
    this.status = options.status;
  }
}
