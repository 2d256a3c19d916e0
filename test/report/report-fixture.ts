import * as fs from "node:fs";
import * as path from "node:path";

import { verifyWithGates } from "../../src/core/gates";
import type { Plan } from "../../src/core/plan-types";
import { resumeRun } from "../../src/core/resume-run";
import { runPlan } from "../../src/core/run-plan";
import { journalFileOf } from "../../src/core/run-paths";
import { FakeTarget } from "../core/fixtures/fake-target";

/**
 * Produces a run a reviewer would want to read: a warn verdict with gate figures, before/after
 * figures, an effect with a note, an irreversible and a partially reversible step, a stop verdict
 * that rolls the run back, and a torn journal tail repaired on resume. Returns its folder.
 */
export async function reviewableRun(baseDir: string): Promise<string> {
  const target = new FakeTarget(path.join(baseDir, "applied.log"));
  let waited = false;
  const plan: Plan = {
    id: "engine-v2",
    title: "AEGIS engine V2",
    hashInput: { proxy: "0x5FbDB2315678afecb367f032d93F642f64180aa3", newImplementation: "0x3f9a" },
    reconcile: target.reconcile,
    steps: [
      {
        id: "preflight",
        title: "Preflight",
        phase: "assess",
        changesTarget: false,
        run: () => ({ owner: "0xf39F" }),
        verify: () =>
          verifyWithGates([
            {
              gate: {
                metric: "p99Ms",
                worse: "higher",
                baseline: 120,
                acceptable: 150,
                critical: 300,
              },
              actual: 180,
            },
          ]),
      },
      {
        id: "pause",
        phase: "execute",
        changesTarget: true,
        undo: "reversible",
        describe: () => "would send pause() to 0x5FbD…0aa3",
        run: (ctx) =>
          ctx.effect("tx", {
            intent: { to: "0x5FbD", data: "0x8456cb59", nonce: 7 },
            apply: (io) => {
              io.note({ hash: "0x91c3" });
              return { ...target.apply("pause"), block: 812n };
            },
          }),
        verify: () => ({ verdict: "go", figures: { paused: { before: false, after: true } } }),
        rollback: (ctx) =>
          ctx.effect("unpause", {
            intent: { data: "0x3f4ba83a" },
            apply: () => target.apply("unpause"),
          }),
      },
      {
        id: "upgrade",
        phase: "execute",
        changesTarget: true,
        undo: { partial: "the reinitializer's writes stay" },
        run: async (ctx) => {
          const out = await ctx.effect("tx", {
            intent: { data: "0x4f1ef286" },
            apply: () => target.apply("upgrade"),
          });
          if (!waited) {
            waited = true;
            ctx.wait({ reason: "2 confirmations", condition: { kind: "blocks", n: 2 } });
          }
          return out;
        },
        verify: () => ({
          verdict: "go",
          figures: {
            initialized: { before: 1n, after: 2n },
            layout: { slots: { before: 4212, after: 4212 } },
          },
        }),
        rollback: (ctx) =>
          ctx.effect("downgrade", {
            intent: { data: "0x99a88ec4" },
            apply: () => target.apply("downgrade"),
          }),
      },
      {
        id: "burn-dust",
        phase: "execute",
        changesTarget: true,
        undo: { irreversible: "burnt dust cannot be minted back" },
        run: (ctx) =>
          ctx.effect("tx", { intent: { data: "0x42966c68" }, apply: () => target.apply("burn") }),
      },
      {
        id: "invariants",
        phase: "validate",
        changesTarget: false,
        run: () => ({ checked: 7 }),
        verify: () => ({
          verdict: "stop",
          figures: { "LU-3": { before: 1041200n, after: 1039800n }, checked: 7 },
          message: "LU-3 share price moved | must not change",
        }),
      },
    ],
  };
  const first = await runPlan({ plan, baseDir, now: fixedClock() });
  // A crash tore the last line while the run waited.
  fs.appendFileSync(journalFileOf(first.runDir), '{"seq":999,"at":"2026');
  await resumeRun({ plan, baseDir, runId: first.runId, now: fixedClock() });
  return first.runDir;
}

/** A clock that advances one second per call, so reports can be compared across runs. */
function fixedClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2026, 10, 26, 13, 2, 11) + 1000 * tick++);
}
