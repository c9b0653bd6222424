/** Test helper: write a Table as Arrow IPC (stream or file) and read it back. */

import { Table, tableFromIPC, tableToIPC, type RecordBatch } from "apache-arrow";

export const IPC_FORMATS = ["stream", "file"] as const;
export type IpcFormat = (typeof IPC_FORMATS)[number];

export function ipcRoundTrip(data: Table | RecordBatch, format: IpcFormat): { table: Table; bytes: Uint8Array } {
  const table = data instanceof Table ? data : new Table(data);
  const bytes = tableToIPC(table, format);
  return { table: tableFromIPC(bytes), bytes };
}
