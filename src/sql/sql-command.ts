import * as path from "node:path";

import type { EngineEventListener } from "../core/engine-events";
import type { RunOutcome, RunResult } from "../core/run-options";
import type { StopRequest } from "../core/stop-request";
import type { TargetLocker } from "../core/lock-port";
import type { RunState } from "../core/run-state";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, type DatabaseUrl } from "./database-url";
import { loadMigrations, type MigrationSet } from "./migration-loader";
import { openDatabase, type OpenDatabase } from "./open-database";

/** What every SQL command is given (a task fills it from its arguments and the project). */
export interface SqlCommandOptions {
  /** --db as given; default the project's PGlite database. */
  dbUrl?: string;
  /** The project's root: embedded databases' paths are relative to it. */
  root: string;
  /** The migrations folder (absolute, or relative to root). */
  dir: string;
  /** Where each database's runs folder goes: `<runsRoot>/<database key>/runs/<runId>`. */
  runsRoot: string;
  target?: string;
  resume?: string;
  onEvent?: EngineEventListener;
  stop?: StopRequest;
  /** How long to wait for another run's lock on a server (ms). */
  lockWaitMs?: number;
  /**
   * Writes a run's reports into its folder (the tasks pass src/report's writer: a kind renders
   * no report itself).
   */
  writeReports?: (runDir: string, state: RunState) => { json: string; markdown: string };
}

/** How a command that may start a run ended. */
export interface SqlRunOutcome {
  status: RunOutcome | "nothing-to-do";
  database: string;
  runId?: string;
  runDir?: string;
  reports?: { json: string; markdown: string };
  failure?: RunResult["failure"];
  result?: RunResult;
}

/** The parsed URL, the loaded folder and the runs folder of a command, checked before connecting. */
export function prepareCommand(options: SqlCommandOptions): {
  db: DatabaseUrl;
  set: MigrationSet;
  baseDir: string;
} {
  const db = parseDatabaseUrl(options.dbUrl ?? DEFAULT_DATABASE_URL, options.root);
  const set = loadMigrations(path.resolve(options.root, options.dir));
  return { db, set, baseDir: path.join(options.runsRoot, db.key) };
}

/** Opens the database, runs the body, closes it whatever happens. */
export async function withDatabase<T>(
  db: DatabaseUrl,
  purpose: string,
  options: SqlCommandOptions,
  body: (open: OpenDatabase) => Promise<T>,
): Promise<T> {
  const open = await openDatabase(db, { purpose, lockWaitMs: options.lockWaitMs });
  try {
    return await body(open);
  } finally {
    await open.close();
  }
}

/** What every engine call of a command takes: its runs folder, its database's lock, its listeners. */
export interface SqlEngineOptions {
  baseDir: string;
  targetKey: string;
  locker: TargetLocker;
  onEvent?: EngineEventListener;
  stop?: StopRequest;
}

/** Takes the database's one-run lock for `command` and gathers the engine's options around it. */
export async function engineOptionsOf(
  open: OpenDatabase,
  command: string,
  db: DatabaseUrl,
  baseDir: string,
  options: SqlCommandOptions,
): Promise<SqlEngineOptions> {
  const locker = await open.holdRunLock(command);
  return { baseDir, targetKey: db.key, locker, onEvent: options.onEvent, stop: options.stop };
}

/** A run's outcome, with its reports written into its folder when a writer is given. */
export function outcomeOf(
  db: DatabaseUrl,
  result: RunResult,
  options: Pick<SqlCommandOptions, "writeReports">,
): SqlRunOutcome {
  const reports = options.writeReports?.(result.runDir, result.state);
  return {
    status: result.status,
    database: db.display,
    runId: result.runId,
    runDir: result.runDir,
    ...(reports === undefined ? {} : { reports }),
    ...(result.failure === undefined ? {} : { failure: result.failure }),
    result,
  };
}
