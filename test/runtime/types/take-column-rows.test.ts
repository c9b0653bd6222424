import {
  Bool,
  DataType,
  Dictionary,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float64,
  Int32,
  Int64,
  LargeUtf8,
  List,
  Struct,
  Utf8,
  vectorFromArray,
  type Vector,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { canTakeRows, takeColumnRows } from "../../../runtime/types/take-column-rows.js";

/** A cell as plain JSON-able data, whatever its Arrow type. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Array.from(v);
  if (typeof v === "object" && v !== null && "toArray" in v && typeof (v as Vector).toArray === "function") return Array.from((v as Vector).toArray() as ArrayLike<unknown>, plain);
  if (typeof v === "object" && v !== null && "toJSON" in v) return Object.fromEntries(Object.entries((v as { toJSON(): object }).toJSON()).map(([k, x]) => [k, plain(x)]));
  return v;
}

const CASES: [string, DataType, unknown[]][] = [
  ["bool", new Bool(), [true, false, null, true, true, false, false, true, null, true]],
  ["int64", new Int64(), [1n, -2n, null, 4n, 5n, 6n, 7n, 8n, 9n, 10n]],
  ["float64", new Float64(), [0.5, null, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]],
  ["utf8", new Utf8(), ["a", "bb", null, "", "ccc", "d", "ee", "f", "g", "h"]],
  ["large utf8", new LargeUtf8(), ["a", "bb", null, "", "ccc", "d", "ee", "f", "g", "h"]],
  ["list", new List(new Field("item", new Int32(), true)), [[1], [], null, [2, 3], [4, null], [5], [6, 7, 8], [9], [], [10]]],
  ["fixed-size list", new FixedSizeList(2, new Field("item", new Float64(), true)), [[1, 2], [3, 4], null, [5, 6], [7, 8], [9, 10], [11, 12], [13, 14], [15, 16], [17, 18]]],
  ["fixed-size binary", new FixedSizeBinary(2), [Uint8Array.of(1, 2), Uint8Array.of(3, 4), null, Uint8Array.of(5, 6), Uint8Array.of(7, 8), Uint8Array.of(9, 9), Uint8Array.of(1, 1), Uint8Array.of(2, 2), Uint8Array.of(3, 3), Uint8Array.of(4, 4)]],
  [
    "struct",
    new Struct([new Field("a", new Int32(), true), new Field("b", new Utf8(), true)]),
    [{ a: 1, b: "x" }, { a: 2, b: null }, null, { a: 4, b: "y" }, { a: 5, b: "z" }, { a: 6, b: "w" }, { a: 7, b: "v" }, { a: 8, b: "u" }, { a: 9, b: "t" }, { a: 10, b: "s" }],
  ],
  ["dictionary", new Dictionary(new Utf8(), new Int32()), ["red", "green", null, "red", "blue", "green", "red", "blue", "blue", "red"]],
];

describe("takeColumnRows", () => {
  const rows = Int32Array.of(3, 0, 0, 2, 6, 1, 6);

  it.each(CASES)("%s: repeats, reorders and keeps nulls, also from a sliced chunk", (_, type, values) => {
    expect(canTakeRows(type)).toBe(true);
    const full = vectorFromArray(values, type);
    // Batches from sources are zero-copy slices with a non-zero offset: index from the slice.
    for (const [vector, base] of [[full, 0], [full.slice(2, 9), 2]] as const) {
      const field = new Field("c", type, true);
      const taken = takeColumnRows({ field, vector }, rows);
      expect(taken.field).toBe(field);
      expect(taken.vector.length).toBe(rows.length);
      const want = Array.from(rows, (r) => plain(full.get(base + r)));
      expect(Array.from({ length: rows.length }, (_, i) => plain(taken.vector.get(i)))).toEqual(want);
      expect(taken.vector.nullCount).toBe(want.filter((w) => w === null).length);
    }
  });

  it("an empty selection gives an empty column of the same type", () => {
    const vector = vectorFromArray(["a", "b"], new Utf8());
    const taken = takeColumnRows({ field: new Field("c", new Utf8()), vector }, new Int32Array(0));
    expect(taken.vector.length).toBe(0);
    expect(String(taken.vector.type)).toBe("Utf8");
  });
});
