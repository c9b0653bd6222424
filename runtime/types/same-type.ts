/**
 * Type equality by meaning, not by object. `util.compareTypes` also compares constructors: the
 * `Int64` a plan or builder makes is not the `Int_` an IPC reader makes, and dictionary ids are
 * numbered per table and per process. Anything that crossed IPC — a region log, a checkpoint's
 * snapshot, a file written by another process — must still match the plan's types. A type's
 * text names its parameters and, for nested types, its children's names and types.
 */

import type { DataType } from "apache-arrow";

export function sameType(a: DataType, b: DataType): boolean {
  return a === b || (a.typeId === b.typeId && String(a) === String(b));
}
