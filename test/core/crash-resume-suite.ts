import { spawn } from "node:child_process";
import * as path from "node:path";

import { expect } from "chai";

import { listRuns } from "../../src/core/list-runs";
import type { JournalLine } from "../../src/core/journal-messages";
import { readJournal } from "../../src/core/journal-reader";
import { journalFileOf } from "../../src/core/run-paths";
import { readRunState } from "../../src/core/read-run-state";
import { FORWARD_KEYS, ROLLBACK_KEYS } from "./fixtures/crash-plan";
import { FakeTarget } from "./fixtures/fake-target";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";
import { nodeArgsFor } from "../helpers/prebuilt-cli";

const ROOT = path.resolve(__dirname, "../..");
const createdDirs: string[] = [];
const CHILD = path.join(__dirname, "fixtures", "crash-child.ts");

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(env: Record<string, string>): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgsFor(CHILD), {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Runs the plan in a child killed at `kills[0]`, then resumes it in children killed at the
 * following points, then resumes once more without a kill; returns what the last child said.
 */
async function crashAndResume(
  scenario: "forward" | "stop",
  kills: string[],
): Promise<{ dir: string; counter: FakeTarget; final: { status?: string; error?: string } }> {
  const dir = makeTempDir("aegis-crash-");
  createdDirs.push(dir); // registered at once, so a failing assertion still cleans it up
  const counter = new FakeTarget(path.join(dir, "applied.log"));
  const common = { BASE_DIR: dir, COUNTER: counter.file, SCENARIO: scenario };
  let runId: string | undefined;
  for (const [index, killAt] of kills.entries()) {
    const exit = await runChild({
      ...common,
      MODE: index === 0 ? "run" : "resume",
      RUN_ID: runId ?? "",
      KILL_AT: killAt,
    });
    // The kill point must really have been reached, or the test would prove nothing.
    expect(
      exit.signal,
      `child should die at ${killAt}; stdout=${exit.stdout} stderr=${exit.stderr}`,
    ).to.equal("SIGKILL");
    const runs = listRuns(dir);
    expect(runs).to.have.length(1);
    runId = (runs[0] as { runId: string }).runId;
  }
  const exit = await runChild({ ...common, MODE: "resume", RUN_ID: runId ?? "" });
  expect(exit.code, `${exit.stdout} ${exit.stderr}`).to.equal(0);
  const final = JSON.parse(exit.stdout.trim().split("\n").pop() as string) as {
    status?: string;
    error?: string;
  };
  return { dir, counter, final };
}

function expectExactlyOnce(counter: FakeTarget, keys: string[]): void {
  const counts = counter.counts();
  for (const key of keys) expect(counts.get(key) ?? 0, `applications of ${key}`).to.equal(1);
  expect([...counts.keys()].sort()).to.deep.equal([...keys].sort());
}

function journalOf(dir: string) {
  const [run] = listRuns(dir);
  return readJournal(journalFileOf((run as { runDir: string }).runDir)).lines;
}

const FORWARD_KILLS = [
  "event:run.started",
  "event:step.started:inspect",
  "event:step.completed:inspect",
  "event:step.started:alpha",
  "intent:alpha.a1",
  "applied:alpha.a1",
  "event:effect.applied:alpha/a1",
  "intent:alpha.a2",
  "applied:alpha.a2",
  "event:step.completed:alpha",
  "event:step.started:beta",
  "applied:beta.b1",
  "intent:beta.b2",
  "applied:beta.b2",
  "intent:beta.b3",
  "noted:beta.b3",
  "applied:beta.b3",
  "event:step.completed:beta",
  "event:step.verified:beta",
  "event:step.completed:gamma",
  "event:step.verified:gamma",
  "event:run.completed",
];

const ROLLBACK_KILLS = [
  "event:step.verified:gamma",
  "event:rollback.started",
  "event:rollback.step-started:beta",
  "intent:rb.beta.b3",
  "applied:rb.beta.b3",
  "applied:rb.beta.b1",
  "event:rollback.step-completed:beta",
  "intent:rb.alpha.a2",
  "applied:rb.alpha.a1",
  "event:rollback.step-completed:alpha",
  "event:rollback.completed",
];

/** Splits kill points into groups run in parallel (each case costs two ts-node processes). */
function groups<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size)
    out.push(items.slice(index, index + size));
  return out;
}

/**
 * What the journal must show after a kill at a point and a resume: the resume took the dead
 * run's lock over; an effect killed after apply was reconciled as applied (not repeated); one
 * killed before apply was reconciled as not applied and applied under a second intent.
 */
function expectRecovery(lines: JournalLine[], killAt: string, finished: boolean): void {
  const takeovers = lines.filter((line) => line.type === "LOCK_TAKEN_OVER");
  expect(
    takeovers.map((line) => line.type === "LOCK_TAKEN_OVER" && line.reason),
    `takeovers after ${killAt}`,
  ).to.deep.equal(finished ? [] : ["owner-dead"]);
  const [kind, targetKey] = killAt.split(":") as [string, string];
  if (kind !== "intent" && kind !== "noted" && kind !== "applied") return;
  const intents = lines.filter(
    (line) => line.type === "EFFECT_INTENT" && (line.intent as { key: string }).key === targetKey,
  );
  const key = (intents[0] as { key: string } | undefined)?.key;
  const results = lines.flatMap((line) =>
    line.type === "EFFECT_RECONCILED" && line.key === key ? [line.result] : [],
  );
  if (kind === "applied") {
    expect(results, `reconciliation of ${targetKey}`).to.deep.equal(["applied"]);
    expect(intents, `intents of ${targetKey}`).to.have.length(1);
  } else {
    expect(results, `reconciliation of ${targetKey}`).to.deep.equal(["not-applied"]);
    expect(intents, `intents of ${targetKey}`).to.have.length(2);
  }
}

/** Which half of the kill points a test file covers, so the halves run in parallel workers. */
export type CrashDirection = "forward" | "rollback";

/** Kills at every point of a run going forward, or of its rollback, each resumed to the end. */
export function describeCrashResume(direction: CrashDirection): void {
  describe(`crash and resume of a ${direction === "forward" ? "run" : "rollback"} (child processes killed with SIGKILL)`, function () {
    after(() => createdDirs.splice(0).forEach(removeTempDir));

    if (direction === "forward") {
      for (const group of groups(FORWARD_KILLS, 4)) {
        it(`completes with every effect applied exactly once when killed at ${group.join(", ")}`, async () => {
          await Promise.all(
            group.map(async (killAt) => {
              const { dir, counter, final } = await crashAndResume("forward", [killAt]);
              expect(final.status, `final status after a kill at ${killAt}`).to.equal("completed");
              expectExactlyOnce(counter, FORWARD_KEYS);
              const lines = journalOf(dir);
              expectRecovery(lines, killAt, killAt === "event:run.completed");
              // A completed step is never run to completion twice: its output came from the journal.
              for (const step of ["inspect", "alpha", "beta", "gamma"]) {
                const completions = lines.filter(
                  (line) => line.type === "STEP_COMPLETED" && line.step === `crash#${step}`,
                );
                expect(completions, `${step} completions after a kill at ${killAt}`).to.have.length(
                  1,
                );
              }
              const [run] = listRuns(dir);
              const beta = readRunState(run?.runDir as string).state.steps.find(
                (step) => step.id === "crash#beta",
              );
              expect(beta?.output, `beta's output after a kill at ${killAt}`).to.deep.equal({
                snapshot: 42n,
              });
            }),
          );
        });
      }

      it("survives repeated kills across resumes (run, resume and resume killed in turn)", async () => {
        const { dir, counter, final } = await crashAndResume("forward", [
          "applied:alpha.a1",
          "noted:beta.b3",
          "event:step.verified:beta",
        ]);
        expect(final.status).to.equal("completed");
        expectExactlyOnce(counter, FORWARD_KEYS);
        const resumes = journalOf(dir).filter((line) => line.type === "RUN_RESUMED");
        expect(resumes).to.have.length(3);
      });
    }

    if (direction === "rollback") {
      for (const group of groups(ROLLBACK_KILLS, 4)) {
        it(`finishes the rollback, undoing each effect exactly once, when killed at ${group.join(", ")}`, async () => {
          await Promise.all(
            group.map(async (killAt) => {
              const { dir, counter, final } = await crashAndResume("stop", [killAt]);
              expect(final.status, `final status after a kill at ${killAt}`).to.equal(
                "rolled-back",
              );
              expectExactlyOnce(counter, [...FORWARD_KEYS, ...ROLLBACK_KEYS]);
              const lines = journalOf(dir);
              expectRecovery(lines, killAt, killAt === "event:rollback.completed");
              const rolledBack = lines.flatMap((line) =>
                line.type === "STEP_ROLLED_BACK" ? [line.step] : [],
              );
              expect(rolledBack, `rolled back steps after a kill at ${killAt}`).to.deep.equal([
                "crash#beta",
                "crash#alpha",
              ]);
            }),
          );
        });
      }
    }
  });
}
