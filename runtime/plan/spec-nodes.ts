/**
 * A parsed spec file as YAML nodes that know where they were written. The spec parser walks
 * nodes rather than the plain `toJS()` value because every step, argument and error has to
 * carry a `file:line`, and that only survives on the node tree.
 *
 * JSON files go through the same parser (JSON is a subset of YAML's flow style) with the JSON
 * schema, so locations work the same way and plain-scalar slips like `{"a": foo}` are still
 * rejected. Anchors, aliases and `<<` merge keys are YAML-only conveniences.
 */

import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
  type Scalar,
} from "yaml";
import { PlanError } from "../api/runtime-errors.js";
import { formatLocation, type SourceLocation } from "./logical-plan.js";

export type SpecFormat = "yaml" | "json";

/** One key of a mapping, after aliases and merge keys are applied. */
export interface SpecEntry {
  key: string;
  keyNode: Scalar;
  /** The value with aliases resolved; null for `key:` with nothing after it. */
  value: YamlNode | null;
  /** Where the key was written. */
  at: SourceLocation;
  /** Where the value was written (the key's location when the value is empty). */
  valueAt: SourceLocation;
}

/** Anything a YAML node can be, for "got …" in messages. */
export function describeNode(node: YamlNode | null): string {
  if (node === null || (isScalar(node) && node.value === null)) return "nothing (null)";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a sequence";
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string") return `a string ('${v}')`;
    if (typeof v === "number" || typeof v === "boolean") return `a ${typeof v} (${String(v)})`;
  }
  return "an unsupported value";
}

/** True for a missing value, `~`, `null` or an empty `key:`. */
export function isNullNode(node: YamlNode | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

export class SpecDocument {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Parses `text`, turning the parser's first error (syntax, duplicate key, unresolved alias or
   * tag) into a PlanError at its line. Warnings are errors too: an unknown tag such as `!env`
   * would otherwise silently become a plain string.
   */
  static parse(text: string, file: string, format: SpecFormat): SpecDocument {
    const lines = new LineCounter();
    const doc = parseDocument(text, {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: true,
      merge: format === "yaml",
      schema: format === "json" ? "json" : "core",
    });
    const spec = new SpecDocument(file, doc, lines);
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) {
      const kind = format === "json" ? "JSON" : "YAML";
      // Unclosed brackets are reported at the end of input; name the last line with content.
      const offset = Math.min(problem.pos[0], text.trimEnd().length);
      throw new PlanError(`invalid ${kind}: ${problem.message}`, { location: formatLocation(spec.locate(offset)), cause: problem });
    }
    visit(doc, {
      Alias: (_key, alias) => {
        const target = alias.resolve(doc);
        if (!target) throw spec.error(`alias *${alias.source} has no anchor &${alias.source} before it`, alias);
        // An alias inside its own anchor would make a circular argument value.
        if (alias.range && target.range && target.range[0] <= alias.range[0] && alias.range[0] < target.range[2]) {
          throw spec.error(`alias *${alias.source} refers to the value that contains it`, alias);
        }
      },
    });
    return spec;
  }

  /** The top-level value, or null for a file with nothing but comments. */
  get contents(): YamlNode | null {
    const c = this.doc.contents;
    return isNullNode(c) ? null : c;
  }

  /** 1-based line and column of a source offset. */
  locate(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** Where a node starts (aliases: where the alias is written, not its anchor). */
  at(node: YamlNode): SourceLocation {
    return this.locate(node.range?.[0] ?? 0);
  }

  /** A PlanError at a node or location, naming the step when there is one. */
  error(message: string, where: YamlNode | SourceLocation, step?: string): PlanError {
    const at = "file" in where ? where : this.at(where);
    return new PlanError(message, { location: formatLocation(at), step });
  }

  /** The node an alias points to (checked to exist at parse time); other nodes as they are. */
  resolve(node: YamlNode | null): YamlNode | null {
    if (node && isAlias(node)) return node.resolve(this.doc) ?? null;
    return node;
  }

  /**
   * The plain JSON value of an entry's value (aliases and merge keys expanded). YAML's `.inf`
   * and `.nan` have no JSON form and would read as `null` once a plan is serialised, so they
   * are refused here.
   */
  toJS(entry: SpecEntry, step?: string): unknown {
    const value: unknown = isNullNode(entry.value) ? null : entry.value!.toJS(this.doc);
    const finite = (v: unknown): boolean =>
      typeof v === "number" ? Number.isFinite(v) : typeof v === "object" && v !== null ? Object.values(v).every(finite) : true;
    if (!finite(value)) throw this.error(`'${entry.key}' holds .inf or .nan, which JSON cannot represent`, entry.valueAt, step);
    return value;
  }

  /**
   * The keys of a mapping in order, with `<<` merges applied as YAML defines them: keys
   * written in the mapping win over merged ones, earlier merge sources win over later ones.
   * Keys must be strings; `what` names the mapping in the error when they are not.
   */
  entries(map: YamlNode, what: string, step?: string): SpecEntry[] {
    const out = new Map<string, SpecEntry>();
    const node = this.resolve(map);
    if (!node || !isMap(node)) throw this.error(`${what} must be a mapping; got ${describeNode(node)}`, map, step);
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const value = pair.value as YamlNode | null;
      if (isScalar(keyNode) && typeof keyNode.value === "symbol") {
        for (const entry of this.mergeSources(value, keyNode, what, step)) if (!out.has(entry.key)) out.set(entry.key, entry);
        continue;
      }
      if (!isScalar(keyNode) || typeof keyNode.value !== "string" || keyNode.value === "") {
        const shown = isScalar(keyNode) ? String(keyNode.value) : describeNode(keyNode);
        throw this.error(`keys of ${what} must be non-empty strings; got ${shown}`, keyNode ?? node, step);
      }
      const at = this.at(keyNode);
      const resolved = this.resolve(value);
      // An empty `key:` value sits where the next line starts; point at the key instead.
      const valueAt = value && !(isScalar(value) && value.source === "") ? this.at(value) : at;
      out.set(keyNode.value, { key: keyNode.value, keyNode, value: resolved, at, valueAt });
    }
    return [...out.values()];
  }

  private mergeSources(value: YamlNode | null, mergeKey: YamlNode, what: string, step?: string): SpecEntry[] {
    const resolved = this.resolve(value);
    const sources = resolved && isSeq(resolved) ? (resolved.items as YamlNode[]) : [value];
    const merged: SpecEntry[] = [];
    for (const source of sources) {
      const target = this.resolve(source);
      if (!target || !isMap(target)) {
        throw this.error(`a << merge in ${what} takes a mapping or a list of mappings; got ${describeNode(target)}`, source ?? mergeKey, step);
      }
      merged.push(...this.entries(target, what, step));
    }
    // Earlier sources win: keep each key's first appearance.
    const seen = new Set<string>();
    return merged.filter((e) => !seen.has(e.key) && (seen.add(e.key), true));
  }
}
