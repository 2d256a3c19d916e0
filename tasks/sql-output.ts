import * as path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { EXIT_CODES } from "../src/core/exit-codes";
import { stringifyJournalValue } from "../src/core/json-codec";
import { redactString } from "../src/core/redaction";
import { StopRequest } from "../src/core/stop-request";
import { exitCodeOfError, exitCodeOfRun } from "../src/sql/exit-code-of";
import type { SqlCommandOptions, SqlRunOutcome } from "../src/sql/sql-command";
import { createRunRenderer } from "./render-run";
import { crashPointListener } from "./crash-points";
import { runTask } from "./run-task";
import { MIGRATION_STOP_WORDING, stopOnSignals } from "./stop-signals";
import { writeRunReports } from "../src/report/write-run-reports";

/** The arguments every sql:* task takes. */
export interface SqlTaskArgs {
  db?: string;
  dir: string;
  target?: string;
  json: boolean;
  resume?: string;
}

/** Lines for people: stderr with --json, so that stdout stays JSON. */
export function say(json: boolean, line: string): void {
  (json ? process.stderr : process.stdout).write(`${redactString(line)}\n`);
}

/** A value as one JSON document on stdout (bigint-safe, URLs redacted). */
export function printJson(value: unknown): void {
  console.log(redactString(stringifyJournalValue(value)));
}

/** The plain function's options from the task's arguments and the project. */
export function commandOptions(
  hre: HardhatRuntimeEnvironment,
  args: SqlTaskArgs,
  stop?: StopRequest,
): SqlCommandOptions {
  const render = createRunRenderer(args.json, (line) => console.log(line));
  const crash = crashPointListener();
  return {
    ...(args.db === undefined ? {} : { dbUrl: args.db }),
    root: hre.config.paths.root,
    dir: args.dir,
    runsRoot: path.join(hre.config.aegis.deploymentsDir, "sql"),
    ...(args.target === undefined ? {} : { target: args.target }),
    ...(args.resume === undefined ? {} : { resume: args.resume }),
    onEvent: crash === undefined ? render : (event) => (render(event), crash(event)),
    ...(stop === undefined ? {} : { stop }),
    writeReports: writeRunReports,
  };
}

/**
 * Runs a sql task's body in the house format (code, message, hint; no stack) and sets the exit
 * code: 2 for input the tool cannot use or a server it cannot reach, 1 for a refusal.
 */
export async function runSqlTask(body: () => Promise<void>): Promise<void> {
  let code: string | undefined;
  await runTask(async () => {
    try {
      await body();
    } catch (error) {
      code = (error as { code?: string }).code;
      throw error;
    }
  });
  if (code !== undefined) process.exitCode = exitCodeOfError(code);
}

/** Ctrl-C and SIGTERM become stop requests: the statement in flight ends and is journaled first. */
export async function withStop<T>(
  json: boolean,
  body: (stop: StopRequest) => Promise<T>,
): Promise<T> {
  const stop = new StopRequest();
  const restore = stopOnSignals(stop, (line) => say(json, line), MIGRATION_STOP_WORDING);
  try {
    return await body(stop);
  } finally {
    restore();
  }
}

/** Prints how a run ended, where its reports are, and sets the exit code. */
export function finishRun(outcome: SqlRunOutcome, args: SqlTaskArgs, command: string): void {
  const { result: _result, ...summary } = outcome;
  if (args.json) printJson({ type: "sql.result", command, ...summary });
  if (outcome.status === "nothing-to-do") {
    say(args.json, `${outcome.database}: up to date, nothing to ${command}`);
  } else {
    say(args.json, `${command} ${outcome.status}: run ${outcome.runId} on ${outcome.database}`);
    if (outcome.failure !== undefined) {
      const { error } = outcome.failure;
      console.error(redactString(`${error.code} ${error.message}\n  hint: ${error.hint}`));
    }
    if (outcome.reports !== undefined)
      say(args.json, `report: ${path.relative(process.cwd(), outcome.reports.markdown)}`);
    if (
      outcome.status === "waiting" ||
      outcome.status === "interrupted" ||
      outcome.status === "failed"
    ) {
      say(
        args.json,
        `resume with npx hardhat sql:migrate --resume ${outcome.runId}, or undo with npx hardhat sql:rollback`,
      );
    }
  }
  process.exitCode = exitCodeOfRun(outcome.status);
}

/** Sets exit code 1 for a check that did not pass. */
export function failIf(condition: boolean): void {
  process.exitCode = condition ? EXIT_CODES.failed : EXIT_CODES.done;
}
