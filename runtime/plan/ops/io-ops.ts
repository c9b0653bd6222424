/**
 * Sources and sinks as catalog ops: the file connectors with their options as arguments.
 * Planning a source resolves its files and reads its schema (a missing folder or an empty glob
 * is a plan error naming the step); planning a sink only checks arguments — no file is
 * touched until the run opens it.
 */

import type { Schema } from "apache-arrow";
import {
  arrowSink,
  arrowSource,
  badRecordToDeadLetter,
  filesSource,
  imagesSource,
  jsonlSink,
  jsonlSource,
  parquetSink,
  parquetSource,
  textSource,
  type FilesSourceOptions,
} from "../../../connectors/index.js";
import type { DeadLetter } from "../../api/dead-letter.js";
import type { Source } from "../../api/source.js";
import { defineOp, type ArgsSpec, type OpDefinition, type PlanContext, type PlannedSource } from "../op-definition.js";

const pathArg = { type: ["string", "string[]"], required: true, doc: "a file, a folder, a glob (`data/**/*.jsonl`) or a list of them" } as const;
const resolveArgs: ArgsSpec = {
  path: pathArg,
  recursive: { type: "boolean", doc: "walk folders recursively", default: true },
  allowEmpty: { type: "boolean", doc: "matching no file is not an error", default: false },
};

interface ResolveArgs {
  path: string | string[];
  recursive?: boolean;
  allowEmpty?: boolean;
}

function paths(a: ResolveArgs, ctx: PlanContext): string[] {
  return (typeof a.path === "string" ? [a.path] : a.path).map((p) => ctx.resolvePath(p));
}

/** Reads the schema now, so a missing input fails at plan time with the step's name. */
async function plannedSource(source: Source, ctx: PlanContext, detail: string, bind?: PlannedSource["bindDeadLetters"]): Promise<PlannedSource> {
  try {
    return { kind: "source", output: await source.schema(), source, detail, bindDeadLetters: bind };
  } catch (err) {
    throw ctx.error(err instanceof Error ? err.message : String(err), { arg: "path", cause: err });
  }
}

function shown(a: ResolveArgs): string {
  return typeof a.path === "string" ? a.path : a.path.join(", ");
}

interface FilesArgs extends ResolveArgs {
  content?: "bytes" | "ref";
  column?: string;
  maxFileBytes?: number;
}

const filesArgs: ArgsSpec = {
  ...resolveArgs,
  content: { type: "string", oneOf: ["bytes", "ref"], doc: "file bytes in the batch, or an object reference fetched later", default: "bytes" },
  column: { type: "string", doc: "name of the content column" },
  maxFileBytes: { type: "integer", min: 1, doc: "a larger file is an error (bytes mode)", default: 2 ** 30 },
};

function filesOptions(a: FilesArgs): FilesSourceOptions {
  return { recursive: a.recursive, allowEmpty: a.allowEmpty, content: a.content, column: a.column, maxFileBytes: a.maxFileBytes };
}

const files = defineOp<FilesArgs>({
  name: "files",
  kind: "source",
  category: "io",
  summary: "one row per file: path, size, and the bytes (or an object reference)",
  example: "files: { path: 'docs/**/*.pdf', content: ref }",
  args: filesArgs,
  plan: (a, ctx) => plannedSource(filesSource(paths(a, ctx), filesOptions(a)), ctx, `files(${shown(a)})`),
});

const images = defineOp<FilesArgs>({
  name: "images",
  kind: "source",
  category: "io",
  summary: "one row per image file (jpg, png, webp, …): path, size, image (encoded sluice.image)",
  example: "images: { path: ./photos }",
  args: filesArgs,
  plan: (a, ctx) => plannedSource(imagesSource(paths(a, ctx), filesOptions(a)), ctx, `images(${shown(a)})`),
});

interface TextArgs extends ResolveArgs {
  mode?: "file" | "line";
  skipEmptyLines?: boolean;
}

const text = defineOp<TextArgs>({
  name: "text",
  kind: "source",
  category: "io",
  summary: "text files, one row per file (path, text) or per line (path, line, text)",
  example: "text: { path: 'corpus/*.txt', mode: line }",
  args: {
    ...resolveArgs,
    mode: { type: "string", oneOf: ["file", "line"], doc: "a row per file or per line", default: "file" },
    skipEmptyLines: { type: "boolean", doc: "line mode: drop empty lines", default: false },
  },
  plan: (a, ctx) =>
    plannedSource(textSource(paths(a, ctx), { recursive: a.recursive, allowEmpty: a.allowEmpty, mode: a.mode, skipEmptyLines: a.skipEmptyLines }), ctx, `text(${shown(a)}, ${a.mode ?? "file"})`),
});

interface JsonlArgs extends ResolveArgs {
  inferRows?: number;
}

const jsonl = defineOp<JsonlArgs>({
  name: "jsonl",
  kind: "source",
  category: "io",
  summary: "JSON Lines files; schema inferred from the first rows; malformed lines are dead-lettered",
  example: "jsonl: { path: 'events/*.jsonl' }",
  args: { ...resolveArgs, inferRows: { type: "integer", min: 1, doc: "rows read to infer the schema", default: 1000 } },
  plan: (a, ctx) => {
    let write: ((letters: readonly DeadLetter[]) => Promise<void>) | undefined;
    const source = jsonlSource(paths(a, ctx), {
      recursive: a.recursive,
      allowEmpty: a.allowEmpty,
      inferRows: a.inferRows,
      onBadRecord: async (r) => {
        const letter = badRecordToDeadLetter(r, ctx.step.name);
        if (!write) throw ctx.error(`malformed record: ${letter.reason}`);
        await write([letter]);
      },
    });
    return plannedSource(source, ctx, `jsonl(${shown(a)})`, (w) => {
      write = w;
    });
  },
});

const arrow = defineOp<ResolveArgs>({
  name: "arrow",
  kind: "source",
  category: "io",
  summary: "Arrow IPC files, file or stream format",
  example: "arrow: { path: 'batches/*.arrow' }",
  args: resolveArgs,
  plan: (a, ctx) => plannedSource(arrowSource(paths(a, ctx), { recursive: a.recursive, allowEmpty: a.allowEmpty }), ctx, `arrow(${shown(a)})`),
});

const parquet = defineOp<ResolveArgs>({
  name: "parquet",
  kind: "source",
  category: "io",
  summary: "Parquet files",
  example: "parquet: { path: 'tables/*.parquet' }",
  args: resolveArgs,
  plan: (a, ctx) => plannedSource(parquetSource(paths(a, ctx), { recursive: a.recursive, allowEmpty: a.allowEmpty }), ctx, `parquet(${shown(a)})`),
});

interface SinkArgs {
  path: string;
  singleFile?: boolean;
  maxPartRows?: number;
  compression?: "snappy" | "zstd" | "gzip" | "brotli" | "lz4" | "uncompressed";
  rowGroupRows?: number;
}

const sinkArgs: ArgsSpec = {
  path: { type: "string", required: true, doc: "output folder of part files (or one file with singleFile)" },
  singleFile: { type: "boolean", doc: "write one file instead of a folder of parts", default: false },
  maxPartRows: { type: "integer", min: 1, doc: "roll to a new part file after this many rows" },
};

function sinkDetail(kind: string, a: SinkArgs, input: Schema): string {
  return `${kind} → ${a.path}${a.singleFile ? " (one file)" : ""} [${input.fields.map((f) => f.name).join(", ")}]`;
}

const toJsonl = defineOp<SinkArgs & { binary?: "base64" | "omit" }>({
  name: "jsonl",
  kind: "sink",
  category: "io",
  summary: "JSON Lines output, committed atomically (binary as base64 or omitted)",
  example: "jsonl: { path: out/results }",
  args: { ...sinkArgs, binary: { type: "string", oneOf: ["base64", "omit"], doc: "how binary values are written", default: "base64" } },
  plan: (a, input, ctx) => {
    const target = ctx.resolvePath(a.path);
    return { kind: "sink", detail: sinkDetail("jsonl", a, input), create: () => jsonlSink(target, { singleFile: a.singleFile, maxPartRows: a.maxPartRows, binary: a.binary }) };
  },
});

const toArrow = defineOp<SinkArgs>({
  name: "arrow",
  kind: "sink",
  category: "io",
  summary: "Arrow IPC file output, committed atomically; extension types kept",
  example: "arrow: { path: out/batches }",
  args: sinkArgs,
  plan: (a, input, ctx) => {
    const target = ctx.resolvePath(a.path);
    return { kind: "sink", detail: sinkDetail("arrow", a, input), create: () => arrowSink(target, { singleFile: a.singleFile, maxPartRows: a.maxPartRows }) };
  },
});

const toParquet = defineOp<SinkArgs>({
  name: "parquet",
  kind: "sink",
  category: "io",
  summary: "Parquet output (parquet-wasm), committed atomically; extension types kept in field metadata",
  example: "parquet: { path: out/, compression: zstd }",
  args: {
    ...sinkArgs,
    compression: { type: "string", oneOf: ["snappy", "zstd", "gzip", "brotli", "lz4", "uncompressed"], doc: "column compression", default: "snappy" },
    rowGroupRows: { type: "integer", min: 1, doc: "rows per row group", default: 65536 },
  },
  plan: (a, input, ctx) => {
    const target = ctx.resolvePath(a.path);
    return {
      kind: "sink",
      detail: sinkDetail("parquet", a, input),
      create: () => parquetSink(target, { singleFile: a.singleFile, maxPartRows: a.maxPartRows, compression: a.compression, rowGroupRows: a.rowGroupRows }),
    };
  },
});

/** Sources and sinks share names (`jsonl`, `arrow`, `parquet`): the position in the plan picks. */
export const SOURCE_OPS: readonly OpDefinition[] = [files, images, text, jsonl, arrow, parquet];
export const SINK_OPS: readonly OpDefinition[] = [toJsonl, toArrow, toParquet];
