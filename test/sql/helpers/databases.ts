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

/**
 * How a suite reaches a server: over TCP on 127.0.0.1, as ../shared/STACK.md gives it, or else
 * through the server's Unix socket on this machine. The socket is how the same real server is
 * reached from an isolated network namespace (a check run offline, with only its own loopback).
 */
interface ServerRoute {
  /** How this route is named in a failure. */
  label: string;
  /** The URL of `database` on the server by this route. */
  urlOf(database: string): string;
}

/** Where a server suite connects, and how it reacts when the server is missing. */
interface ServerSpec {
  label: string;
  routes: ServerRoute[];
  /** Runs one administrative statement through the route's URL of the `test` database. */
  admin(url: string, sql: string): Promise<void>;
}

export const POSTGRES: ServerSpec = {
  label: "PostgreSQL",
  routes: [
    { label: "127.0.0.1:5432", urlOf: (db) => `postgres://postgres@127.0.0.1:5432/${db}` },
    {
      label: "/var/run/postgresql",
      urlOf: (db) => `postgres://postgres@localhost/${db}?host=%2Fvar%2Frun%2Fpostgresql`,
    },
  ],
  admin: postgresAdmin,
};

export const MARIADB: ServerSpec = {
  label: "MariaDB",
  routes: [
    { label: "127.0.0.1:3306", urlOf: (db) => `mysql://root@127.0.0.1:3306/${db}` },
    {
      label: "/run/mysqld/mysqld.sock",
      urlOf: (db) => `mysql://root@localhost/${db}?socketPath=%2Frun%2Fmysqld%2Fmysqld.sock`,
    },
  ],
  admin: mariadbAdmin,
};

async function postgresAdmin(url: string, sql: string): Promise<void> {
  const { Client } = await import("pg");
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function mariadbAdmin(url: string, sql: string): Promise<void> {
  const mysql = await import("mysql2/promise");
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 3_000 });
  try {
    await connection.query(sql);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/** The first route by which the server answers, or the reasons none did. */
async function reachableRoute(spec: ServerSpec): Promise<ServerRoute | string> {
  const failures: string[] = [];
  for (const route of spec.routes) {
    try {
      await spec.admin(route.urlOf("test"), "select 1");
      return route;
    } catch (error) {
      failures.push(`${route.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures.join("; ");
}

const routes = new Map<ServerSpec, Promise<ServerRoute | string>>();

/**
 * A uniquely named database on a server, for one test; dropped by the returned function. When
 * the server cannot be reached the suite fails.
 */
export async function serverDatabase(
  context: Context,
  spec: ServerSpec,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `aegis_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  if (!routes.has(spec)) routes.set(spec, reachableRoute(spec));
  const route = await routes.get(spec)!;
  if (typeof route === "string") {
    // Every machine of this project runs the servers (../shared/STACK.md): a suite that cannot
    // reach one fails, rather than passing without having run.
    throw new Error(`${spec.label} is unreachable (${route}): start it, then run the tests again`);
  }
  const admin = route.urlOf("test");
  await spec.admin(admin, `create database ${name}`);
  const drop = async () => {
    const force = spec === POSTGRES ? " with (force)" : "";
    await spec.admin(admin, `drop database if exists ${name}${force}`);
  };
  return { url: route.urlOf(name), name, drop };
}
