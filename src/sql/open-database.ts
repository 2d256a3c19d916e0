import type { HeldLock, TargetLocker } from "../core/lock-port";
import type { DatabaseUrl } from "./database-url";
import { EmbeddedGuard } from "./embedded-guard";
import { openMysql } from "./mysql-driver";
import { openPglite } from "./pglite-driver";
import { openPostgres } from "./postgres-driver";
import { serverLocker } from "./server-lockers";
import type { SqlSession } from "./sql-session";
import { openSqlite } from "./sqlite-driver";

/** An open database: its session, the lock port of its runs, and how to let it go. */
export interface OpenDatabase {
  db: DatabaseUrl;
  session: SqlSession;
  /**
   * Takes the database's one-run lock now (waiting for a holder up to the lock wait) and returns
   * the lock port that hands it to the engine; it is let go when the database is closed. Taken
   * before a command reads the history, so what it reads no other run is changing.
   */
  holdRunLock(purpose: string): Promise<TargetLocker>;
  close(): Promise<void>;
}

/** A lock port handing out a lock already held (released by its owner, not by the run). */
function heldLocker(held: HeldLock): TargetLocker {
  return {
    acquire: async ({ targetKey, runId }) => ({
      targetKey,
      owner: { ...held.owner, runId },
      get expiresAt() {
        return held.expiresAt;
      },
      renewEveryMs: held.renewEveryMs,
      get lost() {
        return held.lost;
      },
      renew: () => held.renew(),
      release: async () => undefined,
    }),
  };
}

/**
 * Opens the database a URL names with its driver. An embedded one is guarded first (no second
 * process may open it); a server's runs lock through the server. `purpose` names the holder
 * in the message another process gets.
 */
export async function openDatabase(
  db: DatabaseUrl,
  options: { purpose?: string; lockWaitMs?: number } = {},
): Promise<OpenDatabase> {
  if (db.kind === "pglite" || db.kind === "sqlite") {
    const file = db.file as string;
    const guard = EmbeddedGuard.acquire(file, db.display, options.purpose ?? "aegis sql");
    try {
      const session =
        db.kind === "pglite"
          ? await openPglite(file, db.display)
          : await openSqlite(file, db.display);
      return {
        db,
        session,
        holdRunLock: async () => guard.locker(),
        close: async () => {
          await session.close();
          guard.release();
        },
      };
    } catch (error) {
      guard.release();
      throw error;
    }
  }
  const session =
    db.kind === "postgres"
      ? await openPostgres(db.url, db.display)
      : await openMysql(db.url, db.display);
  let held: HeldLock | undefined;
  return {
    db,
    session,
    async holdRunLock(purpose) {
      held ??= await serverLocker(session, db.key, options.lockWaitMs).acquire({
        targetKey: db.key,
        runId: purpose,
      });
      return heldLocker(held);
    },
    async close() {
      await held?.release();
      await session.close();
    },
  };
}
