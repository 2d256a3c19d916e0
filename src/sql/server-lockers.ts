import { createHash } from "node:crypto";

import { LockHeldError } from "../core/errors";
import type { HeldLock, TargetLocker } from "../core/lock-port";
import type { SqlSession } from "./sql-session";

/** How long a run waits for another run's lock before it gives up with AEGIS-E120. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;
const POLL_MS = 250;

/**
 * One run per database on a server: a lock the server holds for the migration's own session
 * (a PostgreSQL advisory lock, MariaDB GET_LOCK). It is released when that session ends, so a
 * crashed run's lock heals the moment the server sees its connection die: nothing to clear by
 * hand. A run waits up to `waitMs` for a holder to finish, then fails naming it.
 */
export function serverLocker(
  session: SqlSession,
  databaseKey: string,
  waitMs = DEFAULT_LOCK_WAIT_MS,
): TargetLocker {
  const digest = createHash("sha256").update(`aegis-sql:${databaseKey}`).digest();
  // Advisory locks take a bigint key; GET_LOCK a name of at most 64 characters.
  const advisoryKey = digest.readBigInt64BE(0).toString();
  const lockName = `aegis:${digest.toString("hex").slice(0, 40)}`;
  const isPostgres = session.dialect === "postgres";
  const tryLock = async (): Promise<boolean> => {
    if (isPostgres) {
      const row = (
        await session.query<{ ok: boolean }>("select pg_try_advisory_lock($1::bigint) as ok", [
          advisoryKey,
        ])
      ).rows[0];
      return row?.ok === true;
    }
    const row = (await session.query<{ ok: unknown }>("select get_lock(?, 0) as ok", [lockName]))
      .rows[0];
    return Number(row?.ok) === 1;
  };
  const holder = async (): Promise<string> => {
    if (isPostgres) {
      const row = (
        await session.query<{ pid: number; app: string }>(
          "select a.pid, a.application_name as app from pg_locks l join pg_stat_activity a on a.pid = l.pid " +
            "where l.locktype = 'advisory' and l.granted and ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint limit 1",
          [advisoryKey],
        )
      ).rows[0];
      return row === undefined
        ? "server session"
        : `${row.app || "server session"} (backend ${row.pid})`;
    }
    const row = (await session.query<{ id: unknown }>("select is_used_lock(?) as id", [lockName]))
      .rows[0];
    return `connection ${String(row?.id ?? "?")}`;
  };
  return {
    async acquire({ targetKey, runId }): Promise<HeldLock> {
      if (isPostgres)
        await session.query(`set application_name = 'aegis ${runId.replace(/'/g, "")}'`);
      const deadline = Date.now() + waitMs;
      while (!(await tryLock())) {
        if (Date.now() >= deadline) {
          const owner = await holder();
          throw new LockHeldError(
            targetKey,
            { pid: 0, host: owner, runId: "another run" },
            "its session ends",
          );
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      let lost = false;
      return {
        targetKey,
        owner: { pid: process.pid, host: "database server", runId },
        // Held for as long as the session lives: the expiry is nominal.
        get expiresAt() {
          return new Date(Date.now() + 60_000).toISOString();
        },
        renewEveryMs: 15_000,
        get lost() {
          return lost;
        },
        async renew() {
          try {
            await session.query("select 1");
            return true;
          } catch (error) {
            // A SQL error (the migration's transaction has just failed and not yet been rolled
            // back) says the session is alive, and the lock with it; only a dead connection
            // loses it.
            if (isSqlError(error)) return true;
            lost = true;
            return false;
          }
        },
        async release() {
          try {
            if (isPostgres)
              await session.query("select pg_advisory_unlock($1::bigint)", [advisoryKey]);
            else await session.query("select release_lock(?)", [lockName]);
          } catch {
            // The session is gone, and the server released the lock with it.
          }
        },
      };
    },
  };
}

/** Whether an error came from the server about a statement (the session lives on). */
function isSqlError(error: unknown): boolean {
  const { code, fatal } = error as { code?: unknown; fatal?: unknown };
  if (typeof code !== "string" || fatal === true) return false;
  // PostgreSQL SQLSTATEs are five characters; mysql2 names server errors ER_*.
  return /^[0-9A-Z]{5}$/.test(code) || code.startsWith("ER_");
}
