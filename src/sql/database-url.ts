import * as path from "node:path";

import { InvalidDatabaseUrlError } from "./errors";

/** The drivers a URL can pick. */
export type DatabaseKind = "pglite" | "postgres" | "mysql" | "sqlite";

/**
 * A parsed --db URL. `display` and `key` are what may be shown, journaled and used as a folder
 * name: they never hold the user or the password. `url` is the URL as given, for the driver
 * only.
 */
export interface DatabaseUrl {
  kind: DatabaseKind;
  /** The URL as given (may hold credentials): pass it to a driver, never print or journal it. */
  url: string;
  /** Embedded databases: the absolute folder (PGlite) or file (SQLite). */
  file?: string;
  /** Servers: where and which database, without credentials. */
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** One line a person reads: `postgres 127.0.0.1:5432/app`, `pglite .aegis/sql/default`. */
  display: string;
  /** Safe as a folder name: the runs of this database land under it. */
  key: string;
}

/** The database a project uses when --db is not given: PGlite, inside the project. */
export const DEFAULT_DATABASE_URL = "pglite://.aegis/sql/default";

const SERVER_SCHEMES: Record<string, { kind: DatabaseKind; port: number }> = {
  postgres: { kind: "postgres", port: 5432 },
  postgresql: { kind: "postgres", port: 5432 },
  mysql: { kind: "mysql", port: 3306 },
  mariadb: { kind: "mysql", port: 3306 },
};

/** Parses a --db URL; embedded paths are resolved against `root` (the project). */
export function parseDatabaseUrl(url: string, root: string): DatabaseUrl {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new InvalidDatabaseUrlError("it does not start with scheme://");
  if (scheme === "pglite" || scheme === "sqlite") {
    const rest = decodeURIComponent(url.slice(scheme.length + 3).replace(/[?#].*$/, ""));
    if (rest === "") throw new InvalidDatabaseUrlError(`${scheme}:// needs a path`);
    const file = path.resolve(root, rest);
    const shown = path.relative(root, file).startsWith("..") ? file : path.relative(root, file);
    return {
      kind: scheme,
      url,
      file,
      display: `${scheme} ${shown}`,
      key: `${scheme}-${folderSafe(shown)}`,
    };
  }
  const server = SERVER_SCHEMES[scheme];
  if (server === undefined) {
    throw new InvalidDatabaseUrlError(
      `unknown scheme ${scheme}:// (use pglite, sqlite, postgres or mysql)`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidDatabaseUrlError(`the ${scheme}:// URL cannot be parsed`);
  }
  if (parsed.hostname === "") throw new InvalidDatabaseUrlError("it names no host");
  const port = parsed.port === "" ? server.port : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) {
    throw new InvalidDatabaseUrlError(`name one database after the host (${scheme}://host/db)`);
  }
  const where = `${parsed.hostname}:${port}/${database}`;
  return {
    kind: server.kind,
    url,
    host: parsed.hostname,
    port,
    database,
    user: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
    display: `${server.kind} ${where}`,
    key: `${server.kind}-${folderSafe(where)}`,
  };
}

/** A name safe as a folder and as an engine id: 1-64 of [A-Za-z0-9._-]. */
function folderSafe(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._-]+/, "");
  return safe.slice(-56) || "db";
}
