import { describe, expect, it } from "vitest";
import { Field, Int32, Int64, Struct, Utf8, makeData, makeVector } from "apache-arrow";
import {
  EXTENSION_METADATA_KEY,
  EXTENSION_NAME_KEY,
  columnOf,
  isObjectRefField,
  objectRefAt,
  objectRefColumn,
  objectRefInfo,
  objectRefStorage,
  objectRefs,
  recordBatchFromColumns,
  type ObjectRef,
} from "../../../runtime/types/index.js";
import { IPC_FORMATS, ipcRoundTrip } from "./ipc-round-trip.js";

const refs: (ObjectRef | null)[] = [
  { uri: "s3://bucket/images/cat.jpg", offset: 0, length: 48213, etag: '"9b2cf535f27731c974343645a3985328"', contentType: "image/jpeg" },
  null,
  { uri: "file:///data/video.mp4", offset: 2 ** 40, length: 1 << 20 },
  { uri: "memory://blob/ünïcødé 🐟" },
];

function fieldWith(metadata: string | undefined, type: Struct | Int32): Field {
  const md = new Map([[EXTENSION_NAME_KEY, "sluice.object_ref"]]);
  if (metadata !== undefined) md.set(EXTENSION_METADATA_KEY, metadata);
  return new Field("ref", type, true, md);
}

describe("sluice.object_ref", () => {
  it("builds the documented storage and round-trips references, leaving absent parts absent", () => {
    const col = objectRefColumn("ref", refs);
    expect(col.field.metadata.get(EXTENSION_NAME_KEY)).toBe("sluice.object_ref");
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe("{}");
    expect(String(col.field.type)).toBe("Struct<{uri:Utf8, offset:Int64, length:Int64, etag:Utf8, content_type:Utf8}>");
    expect((col.field.type as Struct).children.map((f) => f.nullable)).toEqual([false, true, true, true, true]);
    expect(isObjectRefField(col.field)).toBe(true);
    expect(objectRefs(col)).toEqual(refs);
    expect(objectRefAt(col, 3)).toEqual({ uri: "memory://blob/ünïcødé 🐟" });
    expect(objectRefAt(col, 1)).toBeNull();
    // Arrow's own reader agrees on the stored values.
    expect(col.vector.get(2)!.toJSON()).toMatchObject({ uri: "file:///data/video.mp4", offset: 2n ** 40n, etag: null });
  });

  it("reads a sliced column", () => {
    const col = objectRefColumn("ref", refs);
    expect(objectRefs({ field: col.field, vector: col.vector.slice(2) })).toEqual(refs.slice(2));
  });

  describe("validation", () => {
    it("rejects references without a scheme and negative or unsafe ranges", () => {
      expect(() => objectRefColumn("ref", [{ uri: "/no/scheme" }])).toThrow(
        /column 'ref': row 0 uri: expected a URI with a scheme \(file:, https:, memory:, …\), got "\/no\/scheme"/,
      );
      expect(() => objectRefColumn("ref", [{ uri: "file:///a" }, { uri: "file:///b", offset: -1 }])).toThrow(
        /column 'ref': row 1 offset: expected a non-negative safe integer, got -1/,
      );
      expect(() => objectRefColumn("ref", [{ uri: "file:///a", length: 2 ** 60 }])).toThrow(/row 0 length: expected a non-negative safe integer/);
    });

    it("rejects stored int64 values beyond the safe range when read", () => {
      const type = objectRefStorage();
      const utf8 = (s: string) => makeData({ type: new Utf8(), valueOffsets: Int32Array.of(0, new TextEncoder().encode(s).length), data: new TextEncoder().encode(s) });
      const i64 = (v: bigint) => makeData({ type: new Int64(), data: BigInt64Array.of(v) });
      const data = makeData({ type, length: 1, children: [utf8("file:///x"), i64(2n ** 62n), i64(1n), utf8("e"), utf8("t")] });
      const col = { field: fieldWith("{}", type), vector: makeVector(data) };
      expect(() => objectRefAt(col, 0)).toThrow(/column 'ref': row 0 offset: expected a non-negative safe integer, got 4611686018427387904/);
    });

    it("rejects the wrong storage and bad metadata", () => {
      expect(() => objectRefInfo(fieldWith("{}", new Int32()))).toThrow(
        /column 'ref': storage type: expected Struct<uri: Utf8, offset: Int64, length: Int64, etag: Utf8, content_type: Utf8>, got Int32/,
      );
      const reordered = new Struct([...objectRefStorage().children].reverse());
      expect(() => objectRefInfo(fieldWith("{}", reordered))).toThrow(/object_ref child names: expected \[uri, offset, length, etag, content_type\], got \[content_type/);
      const i32offset = new Struct(objectRefStorage().children.map((f) => (f.name === "offset" ? new Field("offset", new Int32(), true) : f)));
      expect(() => objectRefInfo(fieldWith("{}", i32offset))).toThrow(/column 'ref': storage type: expected Struct<uri/);
      expect(() => objectRefInfo(fieldWith("[", objectRefStorage()))).toThrow(/column 'ref': sluice.object_ref metadata: expected valid JSON/);
      expect(objectRefInfo(fieldWith("", objectRefStorage()))).toEqual({});
    });
  });

  describe.each(IPC_FORMATS)("IPC %s round trip", (format) => {
    it("keeps metadata, child nullability and values", () => {
      const { table } = ipcRoundTrip(recordBatchFromColumns([objectRefColumn("ref", refs)]), format);
      const back = columnOf(table, "ref");
      expect(back.field.metadata.get(EXTENSION_NAME_KEY)).toBe("sluice.object_ref");
      expect((back.field.type as Struct).children.map((f) => f.nullable)).toEqual([false, true, true, true, true]);
      expect(objectRefs(back)).toEqual(refs);
    });
  });
});
