import { createHash } from "node:crypto";

import type { SqlSession } from "./sql-session";

/** An order-independent fingerprint of a table's or a query's rows: count and sum of row hashes. */
export interface ContentChecksum {
  rows: string;
  sum: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** A FROM source: a bare table name, or a query in parentheses. */
export function sourceOf(tableOrQuery: string): string {
  const text = tableOrQuery.trim().replace(/;$/, "");
  return IDENTIFIER.test(text) ? text : `(${text})`;
}

/**
 * Computes the checksum inside the database: each row is hashed and the hashes are summed
 * there, so no row reaches Node and the order of rows does not matter. The figures of two
 * sources compare only on one database (each engine spells a row as text its own way).
 */
export async function contentChecksum(
  session: SqlSession,
  tableOrQuery: string,
): Promise<ContentChecksum> {
  const from = `${sourceOf(tableOrQuery)} aegis_t`;
  let sql: string;
  if (session.dialect === "postgres") {
    // hashtextextended: PostgreSQL's own 64-bit hash, several times cheaper than md5 per row.
    sql = `select count(*)::text as n, coalesce(sum(hashtextextended(aegis_t::text, 0)), 0)::text as s from ${from}`;
  } else {
    const columns = (await session.query(`select * from ${from} limit 0`)).columns;
    if (session.dialect === "mysql") {
      const parts = columns.map((c) => `coalesce(aegis_t.\`${c}\`, char(0))`).join(", ");
      sql =
        `select count(*) as n, coalesce(sum(cast(conv(substr(md5(concat_ws(char(31), ${parts})), 1, 15), 16, 10) as unsigned)), 0) as s ` +
        `from ${from}`;
    } else {
      const parts = columns.map((c) => `aegis_t."${c}"`).join(", ");
      sql = `select count(*) as n, coalesce(sum(aegis_row_hash(${parts})), 0) as s from ${from}`;
    }
  }
  const row = (await session.query<{ n: unknown; s: unknown }>(sql)).rows[0];
  return { rows: String(row?.n ?? "0"), sum: String(row?.s ?? "0") };
}

/** The row hash SQLite sums: 32 bits of SHA-256 over the row's values (sums stay exact). */
export function sqliteRowHash(...values: unknown[]): number {
  const text = values.map((value) => (value === null ? "\u0000" : String(value))).join("\u001f");
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}
