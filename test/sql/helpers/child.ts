import { spawn } from "node:child_process";
import * as path from "node:path";

import type { SqlCommandOptions } from "../../../src/sql/sql-command";

const CHILD = path.join(__dirname, "../fixtures/sql-child.ts");

/** What a child reported: its outcome or error, and how it ended. */
export interface ChildResult {
  out:
    | { status?: string; runId?: string; failure?: string; error?: string; message?: string }
    | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs sql:migrate's function in a child process (ts-node), with extra environment. */
export function migrateInChild(
  options: SqlCommandOptions,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const child = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      CHILD,
      JSON.stringify({ command: "migrate", options }),
    ],
    { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      const line = stdout.trim().split("\n").filter(Boolean).at(-1);
      let out: ChildResult["out"];
      try {
        out = line === undefined ? undefined : (JSON.parse(line) as ChildResult["out"]);
      } catch {
        out = undefined;
      }
      resolve({ out, code, signal, stderr });
    });
  });
}
