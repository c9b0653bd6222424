/** The DataFrame API: `import { read, col, fn } from "sluice"`. */

export { read } from "./read.js";
export { col, fn, Expr, compileExpr, COLUMN_FUNCTIONS, type ColumnFunction, type Predicate } from "./expr.js";
export { DataFrame, DataFrameWriter, Pipeline, fromSource, type ModuleFunction, type StepOptions } from "./dataframe.js";
