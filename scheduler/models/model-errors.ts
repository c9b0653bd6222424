/**
 * Errors of model sessions. scheduler/ may not import runtime/, so these extend the kernels'
 * `SluiceError` directly; runtime/ can re-export them (or make its `ModelError` catch them by
 * checking `instanceof ModelSessionError`).
 */

import { SluiceError, type SluiceErrorOptions } from "../../kernels/errors.js";

/** Base of every model-session error; `model` names the file (or label) it concerns. */
export class ModelSessionError extends SluiceError {
  readonly model: string;

  constructor(model: string, message: string, options: SluiceErrorOptions = {}) {
    super(`model '${model}': ${message}`, options);
    this.model = model;
  }
}

/**
 * The model could not be loaded: missing file, not an ONNX file, an operator the runtime lacks,
 * an input type sluice cannot feed, or a failed warm-up. Raised before any data flows.
 */
export class ModelLoadError extends ModelSessionError {
  /** A short, stable description of the cause (e.g. "file not found", "unsupported operator 'Foo'"). */
  readonly reason: string;

  constructor(model: string, reason: string, options: Omit<SluiceErrorOptions, "retriable"> = {}) {
    super(model, `cannot load: ${reason}`, { ...options, retriable: false });
    this.reason = reason;
  }
}

/** A call arrived in a lifecycle state that does not take calls (loading, warming, draining, closed). */
export class ModelStateError extends ModelSessionError {
  readonly state: string;

  constructor(model: string, state: string, detail: string) {
    // Retriable: another instance of the same model (a service pool) may take the call.
    super(model, `is ${state}: ${detail}`, { retriable: true });
    this.state = state;
  }
}

/** Feeds that do not fit the model's inputs (names, dtypes, shapes), or outputs sluice cannot represent. */
export class ModelFeedError extends ModelSessionError {
  constructor(model: string, detail: string, options: Omit<SluiceErrorOptions, "retriable"> = {}) {
    super(model, detail, { ...options, retriable: false });
  }
}

/** The runtime failed while running the model. */
export class ModelRunError extends ModelSessionError {}
