import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { Context } from "mocha";

/** A temporary folder of one test; remove it with removeDir. */
export function tempDir(prefix = "aegis-sql-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes migration files ({ "V1__x.sql": "..." }) into a new folder under `root`. */
export function writeMigrations(
  root: string,
  files: Record<string, string>,
  name = "migrations",
): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

let template: Promise<string> | undefined;

/**
 * A fresh PGlite database folder: a copy of one template built once per test process (a new
 * PGlite cluster takes 7-10 s to initialise here, a copy opens in well under a second).
 */
export async function freshPglite(root: string): Promise<string> {
  template ??= (async () => {
    const dir = tempDir("aegis-pglite-template-");
    const { PGlite } = await import("@electric-sql/pglite");
    const db = await PGlite.create(path.join(dir, "db"));
    await db.close();
    process.once("exit", () => removeDir(dir));
    return path.join(dir, "db");
  })();
  const target = path.join(root, `pglite-${randomBytes(4).toString("hex")}`);
  fs.cpSync(await template, target, { recursive: true });
  return target;
}

/** Where a server suite connects, and how it reacts when the server is missing. */
interface ServerSpec {
  label: string;
  adminUrl: string;
  create(name: string): Promise<void>;
  drop(name: string): Promise<void>;
  urlOf(name: string): string;
}

export const POSTGRES: ServerSpec = {
  label: "PostgreSQL at 127.0.0.1:5432",
  adminUrl: "postgres://postgres@127.0.0.1:5432/test",
  async create(name) {
    await postgresAdmin(`create database ${name}`);
  },
  async drop(name) {
    await postgresAdmin(`drop database if exists ${name} with (force)`);
  },
  urlOf: (name) => `postgres://postgres@127.0.0.1:5432/${name}`,
};

export const MARIADB: ServerSpec = {
  label: "MariaDB at 127.0.0.1:3306",
  adminUrl: "mysql://root@127.0.0.1:3306/test",
  async create(name) {
    await mariadbAdmin(`create database ${name}`);
  },
  async drop(name) {
    await mariadbAdmin(`drop database if exists ${name}`);
  },
  urlOf: (name) => `mysql://root@127.0.0.1:3306/${name}`,
};

async function postgresAdmin(sql: string): Promise<void> {
  const { Client } = await import("pg");
  const client = new Client({
    connectionString: POSTGRES.adminUrl,
    connectionTimeoutMillis: 3_000,
  });
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function mariadbAdmin(sql: string): Promise<void> {
  const mysql = await import("mysql2/promise");
  const connection = await mysql.createConnection({ uri: MARIADB.adminUrl, connectTimeout: 3_000 });
  try {
    await connection.query(sql);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/**
 * A uniquely named database on a server, for one test; dropped by the returned function. When
 * the server cannot be reached the suite fails in CI (CI=true) and is skipped loudly elsewhere.
 */
export async function serverDatabase(
  context: Context,
  spec: ServerSpec,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `aegis_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  try {
    await spec.create(name);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (process.env.CI === "true")
      throw new Error(`${spec.label} is required in CI: ${why}`, { cause: error });
    console.warn(
      `\n  !!! SKIPPED: ${spec.label} is unreachable (${why}); these tests did not run\n`,
    );
    context.skip();
  }
  return { url: spec.urlOf(name), name, drop: () => spec.drop(name) };
}
