/**
 * The `users.name` split on one million rows, on PostgreSQL and on PGlite: the checkpointed,
 * validated migration (sql:migrate's function: lock, journal, transaction, count, checksum and
 * business-rule validations, history row, reports) against the same SQL run bare through the
 * driver in one transaction, measured in the same run. Prints each time and the ratio (goal:
 * at most 1.2x). PostgreSQL is reached at AEGIS_BENCH_POSTGRES_URL (default the local server).
 *
 *   npm run bench:sql [-- --rows 1000000] [-- --only postgres|pglite] [-- --no-checksum]
 *
 * Whichever variant runs second pays for the first one's leftovers (WAL checkpoints on the
 * server, a grown WebAssembly heap in PGlite): each runs twice, in the order bare, checkpointed,
 * checkpointed, bare, on four copies of the same data, and the better time of each counts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

import { parseDatabaseUrl } from "../src/sql/database-url";
import { openDatabase } from "../src/sql/open-database";
import type { SqlSession } from "../src/sql/sql-session";
import { migrateDatabase } from "../src/sql/sql-migrate";

const ROWS = Number(process.argv[process.argv.indexOf("--rows") + 1] ?? 0) || 1_000_000;
const ONLY = process.argv.includes("--only")
  ? process.argv[process.argv.indexOf("--only") + 1]
  : undefined;
const ADMIN = process.env.AEGIS_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const SPLIT = [
  "alter table users add column first_name varchar(100)",
  "alter table users add column last_name varchar(100)",
  "update users set first_name = split_part(name, ' ', 1), last_name = substr(name, length(split_part(name, ' ', 1)) + 2)",
  "alter table users alter column first_name set not null",
  "alter table users alter column last_name set not null",
  "alter table users drop column name",
];

/** Leaves the checksum validation out, to show what the two full hashing scans cost. */
const NO_CHECKSUM = process.argv.includes("--no-checksum");
const CHECKSUM = `- name: names-kept
  checksum:
    before: select id, name from users
    after: select id, first_name || ' ' || last_name as name from users
`;
const VALIDATIONS = `- name: every-user-kept
  rowCount: { left: users, equals: ${ROWS} }
${NO_CHECKSUM ? "" : CHECKSUM}- name: first-name-present
  zeroRows: select id from users where first_name = ''
`;

async function seed(session: SqlSession): Promise<void> {
  await session.query("create table users (id integer primary key, name varchar(200) not null)");
  await session.query(
    `insert into users select g, 'First' || g || ' Last' || g from generate_series(1, ${ROWS}) g`,
  );
  // Both variants then start from settled pages (hint bits set, statistics known): otherwise
  // the first one to touch the rows pays for that.
  await session.query("vacuum analyze users");
}

/** The same statements, bare, in one transaction. */
async function bare(url: string, root: string): Promise<number> {
  const open = await openDatabase(parseDatabaseUrl(url, root));
  try {
    const started = performance.now();
    await open.session.begin();
    for (const sql of SPLIT) await open.session.query(sql);
    await open.session.commit();
    return performance.now() - started;
  } finally {
    await open.close();
  }
}

/** The migration through sql:migrate's function, from opening the database to its reports. */
async function checkpointed(url: string, root: string, tag: string): Promise<number> {
  const dir = path.join(root, `migrations-${tag}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "V1__split_user_name.sql"), `${SPLIT.join(";\n")};\n`);
  fs.writeFileSync(path.join(dir, "V1__split_user_name.validations.yaml"), VALIDATIONS);
  const started = performance.now();
  const outcome = await migrateDatabase({
    dbUrl: url,
    root,
    dir,
    runsRoot: path.join(root, "runs"),
  });
  const ms = performance.now() - started;
  if (outcome.status !== "completed")
    throw new Error(`migration ${outcome.status}: ${outcome.failure?.error.message}`);
  const step = outcome.result?.state.steps[0];
  const figures = step?.verification?.figures as { durationMs?: number } | undefined;
  console.log(
    `    statements inside the checkpointed run: ${Math.round(figures?.durationMs ?? 0)} ms`,
  );
  return ms;
}

/** Both variants twice (bare, checkpointed, checkpointed, bare), each on its own copy; the best of each. */
async function both(urls: string[], root: string): Promise<[number, number]> {
  const bare1 = await bare(urls[0] as string, root);
  const checkpointed1 = await checkpointed(urls[1] as string, root, "a");
  const checkpointed2 = await checkpointed(urls[2] as string, root, "b");
  const bare2 = await bare(urls[3] as string, root);
  console.log(
    `    bare ${ms(bare1)} / ${ms(bare2)} · checkpointed ${ms(checkpointed1)} / ${ms(checkpointed2)}`,
  );
  return [Math.min(bare1, bare2), Math.min(checkpointed1, checkpointed2)];
}

function ms(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}

function report(engine: string, bareMs: number, checkpointedMs: number): void {
  console.log(
    `${engine.padEnd(10)} bare ${(bareMs / 1000).toFixed(2)} s · checkpointed+validated ${(checkpointedMs / 1000).toFixed(2)} s · ratio ${(checkpointedMs / bareMs).toFixed(2)}x (goal <= 1.2x)`,
  );
}

async function postgres(root: string): Promise<void> {
  const { Client } = await import("pg");
  const admin = new Client({ connectionString: ADMIN });
  await admin.connect();
  const names = ["a", "b", "c", "d"].map((tag) => `aegis_bench_${process.pid}_${tag}`);
  try {
    await admin.query(`create database ${names[0]}`);
    const seeded = await openDatabase(
      parseDatabaseUrl(ADMIN.replace(/\/[^/]*$/, `/${names[0]}`), root),
    );
    await seed(seeded.session);
    await seeded.close();
    // Every run starts from the same data: the other databases are copies of the first.
    for (const name of names.slice(1))
      await admin.query(`create database ${name} template ${names[0]}`);
    const urls = names.map((name) => ADMIN.replace(/\/[^/]*$/, `/${name}`));
    report("postgres", ...(await both(urls, root)));
  } finally {
    for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function pglite(root: string): Promise<void> {
  const first = path.join(root, "pglite-a");
  const seeded = await openDatabase(parseDatabaseUrl(`pglite://${first}`, root));
  await seed(seeded.session);
  await seeded.close();
  const copies = ["b", "c", "d"].map((tag) => path.join(root, `pglite-${tag}`));
  for (const copy of copies) fs.cpSync(first, copy, { recursive: true });
  report(
    "pglite",
    ...(await both(
      [first, ...copies].map((dir) => `pglite://${dir}`),
      root,
    )),
  );
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-bench-sql-"));
  console.log(`users.name split on ${ROWS.toLocaleString("en")} rows`);
  try {
    if (ONLY !== "pglite") await postgres(root);
    if (ONLY !== "postgres") await pglite(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
