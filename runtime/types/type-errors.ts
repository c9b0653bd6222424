/**
 * Errors for multimodal Arrow columns. A column whose storage, shape or metadata does not match
 * its extension type is a data or plan bug, never a transient condition, so none is retriable.
 * Every message starts with the column name so a failing pipeline step points at the data.
 */

import { SluiceError, type SluiceErrorOptions } from "../../kernels/errors.js";

type Options = Omit<SluiceErrorOptions, "retriable">;

/**
 * A column does not have the type, storage layout or shape that its extension type (or the
 * caller) requires: "column 'pixels': storage type: expected FixedSizeList<Float32>[12], got …".
 */
export class TypeMismatchError extends SluiceError {
  /** The column (field) name the error is about. */
  readonly column: string;
  /** What was required, in words; empty when the message is free-form. */
  readonly expected: string;
  /** What was found, in words; empty when the message is free-form. */
  readonly actual: string;

  constructor(column: string, what: string, expected: string, actual: string, options: Options = {}) {
    super(`column '${column}': ${what}: expected ${expected}, got ${actual}`, { ...options, retriable: false });
    this.column = column;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The `ARROW:extension:metadata` JSON of a column is missing, unparsable or violates the
 * extension type's rules (a permutation that is not one, a negative dimension, …).
 */
export class ExtensionMetadataError extends TypeMismatchError {
  /** The extension type name, e.g. `arrow.fixed_shape_tensor`. */
  readonly extension: string;

  constructor(column: string, extension: string, expected: string, actual: string, options: Options = {}) {
    super(column, `${extension} metadata`, expected, actual, options);
    this.extension = extension;
  }
}

/** A short, bounded rendering of any value for error messages. */
export function describeValue(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "bigint" ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
