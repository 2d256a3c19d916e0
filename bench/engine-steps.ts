/**
 * Engine overhead per step: 10,000 no-op steps, journaled with an fsync per line (the default
 * durability) and without, against a baseline measured in the same process (the same no-op
 * steps awaited in a bare loop, no engine). Prints steps/s, µs per step and the ratios.
 *
 *   npx ts-node --transpile-only bench/engine-steps.ts [steps]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { Durability } from "../src/core/journal-messages";
import type { Plan, Step } from "../src/core/plan-types";
import { runPlan } from "../src/core/run-plan";
import { runBenchmark } from "./process-timing";

const STEPS = Number(process.argv[2] ?? 10_000);

function noopPlan(count: number): Plan {
  const steps: Step[] = [];
  for (let index = 0; index < count; index += 1) {
    steps.push({ id: `s${index}`, phase: "execute", changesTarget: false, run: () => undefined });
  }
  return { id: "bench", hashInput: { count }, steps };
}

async function baseline(plan: Plan): Promise<number> {
  const started = process.hrtime.bigint();
  for (const step of plan.steps) await step.run({} as never);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function engine(plan: Plan, durability: Durability): Promise<{ ms: number; lines: number }> {
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-bench-"));
  try {
    const started = process.hrtime.bigint();
    const result = await runPlan({ plan, baseDir, durability });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== "completed") throw new Error(`bench run ended ${result.status}`);
    return { ms, lines: result.state.lastSeq };
  } finally {
    fs.rmSync(baseDir, { recursive: true, force: true });
  }
}

function row(name: string, ms: number, extra = ""): string {
  const perStep = (ms * 1000) / STEPS;
  const perSecond = Math.round((STEPS / ms) * 1000);
  return `${name.padEnd(28)} ${ms.toFixed(1).padStart(10)} ms ${perSecond.toLocaleString("en-US").padStart(12)} steps/s ${perStep.toFixed(2).padStart(10)} µs/step${extra}`;
}

async function main(): Promise<void> {
  const plan = noopPlan(STEPS);
  // Warm the JIT on a small plan so the first measured run is not penalised.
  await engine(noopPlan(500), "none");

  const base = Math.min(await baseline(plan), await baseline(plan), await baseline(plan));
  const none = [
    await engine(plan, "none"),
    await engine(plan, "none"),
    await engine(plan, "none"),
  ].sort((a, b) => a.ms - b.ms)[0] as {
    ms: number;
    lines: number;
  };
  const fsync = await engine(plan, "fsync");

  console.log(
    `engine-steps: ${STEPS.toLocaleString("en-US")} no-op steps, ${fsync.lines.toLocaleString("en-US")} journal lines per run (node ${process.version}, ${os.platform()} ${os.arch()})`,
  );
  console.log(row("baseline (bare loop)", base));
  console.log(
    row(
      "engine, durability none",
      none.ms,
      `   overhead ${(((none.ms - base) * 1000) / STEPS).toFixed(2)} µs/step`,
    ),
  );
  console.log(
    row(
      "engine, durability fsync",
      fsync.ms,
      `   overhead ${(((fsync.ms - base) * 1000) / STEPS).toFixed(2)} µs/step`,
    ),
  );
  console.log(
    `ratio fsync / none: ${(fsync.ms / none.ms).toFixed(1)}x; fsync cost per journal line: ${(((fsync.ms - none.ms) * 1000) / fsync.lines).toFixed(1)} µs`,
  );
}

runBenchmark(main);
