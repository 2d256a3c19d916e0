/**
 * Engine overhead per step, for several plan sizes in one run (10,000 and 100,000 no-op steps
 * by default): each plan journaled without flushing (durability none, best of NONE_ROUNDS) and
 * with an fsync per line (the default), against a baseline measured in the same run (the same no-op
 * steps awaited in a bare loop, no engine). Prints µs per step and the engine's overhead over
 * the baseline; an overhead that grows with the plan is work per line proportional to it.
 *
 *   npx ts-node --transpile-only bench/engine-steps.ts [sizes]      (default 10000,100000)
 *
 * With fsync each step waits for two disk flushes, so a plan larger than FSYNC_FULL_STEPS is
 * only timed over its first FSYNC_SAMPLE_STEPS steps, from inside the run, which then ends
 * with a wait: the whole plan would take minutes and show nothing more than the flushes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { Durability } from "../src/core/journal-messages";
import type { Plan, Step } from "../src/core/plan-types";
import { runPlan } from "../src/core/run-plan";
import { runBenchmark } from "./process-timing";

const SIZES = (process.argv[2] ?? "10000,100000").split(",").map((size) => {
  const count = Number(size.replace(/_/g, ""));
  if (!Number.isInteger(count) || count < 2) throw new Error(`not a plan size: ${size}`);
  return count;
});
// Best of 5: other processes on the machine easily add half to a single run.
const NONE_ROUNDS = 5;
const FSYNC_FULL_STEPS = 10_000;
const FSYNC_SAMPLE_STEPS = 2_000;

/** A plan of no-op steps; with `sample`, step `sample` ends the run with a wait. */
function noopPlan(count: number, sample?: { steps: number; times: number[] }): Plan {
  const steps: Step[] = [];
  for (let index = 0; index < count; index += 1) {
    steps.push({ id: `s${index}`, phase: "execute", changesTarget: false, run: () => undefined });
  }
  if (sample) {
    const first = steps[0] as Step;
    const last = steps[sample.steps] as Step;
    first.run = () => void sample.times.push(performance.now());
    last.run = (ctx) => {
      sample.times.push(performance.now());
      return ctx.wait({ reason: "bench sample taken" });
    };
  }
  return { id: "bench", hashInput: { count }, steps };
}

async function baseline(plan: Plan): Promise<number> {
  const started = process.hrtime.bigint();
  for (const step of plan.steps) await step.run({} as never);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

interface EngineRun {
  ms: number;
  lines: number;
}

async function engine(
  plan: Plan,
  durability: Durability,
  expected = "completed",
): Promise<EngineRun> {
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-bench-"));
  try {
    const started = process.hrtime.bigint();
    const result = await runPlan({ plan, baseDir, durability });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== expected) throw new Error(`bench run ended ${result.status}`);
    return { ms, lines: result.state.lastSeq };
  } finally {
    fs.rmSync(baseDir, { recursive: true, force: true });
  }
}

/** µs per step of an fsync run: the whole plan (with its ms), or a sample of its first steps. */
async function fsyncPerStep(
  count: number,
): Promise<{ perStep: number; label: string; ms?: number }> {
  if (count <= FSYNC_FULL_STEPS) {
    const run = await engine(noopPlan(count), "fsync");
    return { perStep: (run.ms * 1000) / count, label: "engine, durability fsync", ms: run.ms };
  }
  const sample = { steps: FSYNC_SAMPLE_STEPS, times: [] as number[] };
  await engine(noopPlan(count, sample), "fsync", "waiting");
  const [first, last] = sample.times as [number, number];
  return {
    perStep: ((last - first) * 1000) / sample.steps,
    label: `fsync, ${sample.steps.toLocaleString("en-US")} steps timed`,
  };
}

function row(name: string, perStep: number, ms: number | undefined, extra = ""): string {
  const total = ms === undefined ? "" : `${ms.toFixed(1)} ms`;
  const perSecond = Math.round(1e6 / perStep);
  return `  ${name.padEnd(28)} ${total.padStart(12)} ${perSecond.toLocaleString("en-US").padStart(12)} steps/s ${perStep.toFixed(2).padStart(10)} µs/step${extra}`;
}

async function measure(count: number): Promise<void> {
  const plan = noopPlan(count);
  const base = Math.min(await baseline(plan), await baseline(plan), await baseline(plan));
  const runs: EngineRun[] = [];
  for (let round = 0; round < NONE_ROUNDS; round += 1) runs.push(await engine(plan, "none"));
  const none = runs.sort((a, b) => a.ms - b.ms)[0] as EngineRun;
  const fsync = await fsyncPerStep(count);

  const basePerStep = (base * 1000) / count;
  const nonePerStep = (none.ms * 1000) / count;
  const overhead = (perStep: number) => `   overhead ${(perStep - basePerStep).toFixed(2)} µs/step`;
  console.log(
    `${count.toLocaleString("en-US")} no-op steps, ${none.lines.toLocaleString("en-US")} journal lines per run`,
  );
  console.log(row("baseline (bare loop)", basePerStep, base));
  console.log(row("engine, durability none", nonePerStep, none.ms, overhead(nonePerStep)));
  console.log(row(fsync.label, fsync.perStep, fsync.ms, overhead(fsync.perStep)));
  const linesPerStep = none.lines / count;
  console.log(
    `  ratio fsync / none: ${(fsync.perStep / nonePerStep).toFixed(1)}x; fsync cost per journal line: ${((fsync.perStep - nonePerStep) / linesPerStep).toFixed(1)} µs`,
  );
}

async function main(): Promise<void> {
  console.log(`engine-steps (node ${process.version}, ${os.platform()} ${os.arch()})`);
  // Warm the JIT on a small plan so the first measured run is not penalised.
  await engine(noopPlan(500), "none");
  for (const count of SIZES) await measure(count);
}

runBenchmark(main);
