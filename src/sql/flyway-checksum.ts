import * as zlib from "node:zlib";

/**
 * The checksum Flyway records for a SQL migration: CRC32 over the file's lines without their
 * line endings (and without a leading byte-order mark), as a signed 32-bit integer. Comparing
 * it with flyway_schema_history tells whether the files here are the ones Flyway applied.
 */
export function flywayChecksum(text: string): number {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let crc = 0;
  for (const line of lines) crc = zlib.crc32(Buffer.from(line, "utf8"), crc);
  return crc | 0;
}
