/**
 * The staged rollout as a checkpointed plan: a preflight that reads where traffic stands, then
 * one step per stage. A stage moves the weight (an effect: intent journaled first, reconciled
 * against the split on resume), then waits through its observation window (ctx.wait, which the
 * engine polls under a waitPolicy and a resume re-enters), ending early when a trigger trips.
 * Its checkpoint judges the new handler's figures by the gates and the triggers; a stop rolls
 * the stages back in reverse, each putting back the weight before it.
 */
import { verifyWithGates } from "../core/gates";
import { defineStep, type Plan, type Step, type VerifyResult } from "../core/plan-types";
import type { ReconcilePort } from "../core/effect-types";
import type { RolloutInput, RolloutStage } from "./rollout-input";
import { stageGateChecks } from "./rollout-gates";
import { parseTrigger, trippedTriggers, type TrippedTrigger } from "./rollout-triggers";
import type { StageMetrics } from "./stage-metrics";
import type { TrafficSplitPort } from "./traffic-split-port";

/** What the plan needs besides its input. */
export interface RolloutPlanDeps {
  port: TrafficSplitPort;
  /** The clock of observation windows (tests move it instead of sleeping). */
  now(): Date;
  /** The consumer check run before any traffic moves (api:verify), when the spec has recordings. */
  verifyRecordings?(): Promise<{ replayed: number; differing: number; firstDifference?: string }>;
}

/** What a stage step returns (journaled; the report shows its checkpoint's figures). */
export interface StageResult {
  stage: number;
  percent: number;
  startedAt: string;
  endedAt: string;
  metrics: StageMetrics;
  old: StageMetrics;
  tripped: TrippedTrigger[];
  /** The window was cut short by a tripped trigger. */
  endedEarly: boolean;
}

interface WeightOutcome {
  percent: number;
  at: string;
}

/** The plan id of a rollout. */
export function rolloutPlanId(input: RolloutInput): string {
  return `api-${input.name}`;
}

/** Builds the rollout plan. */
export function buildRolloutPlan(input: RolloutInput, deps: RolloutPlanDeps): Plan {
  const { port, now } = deps;
  const triggers = input.triggers.map(parseTrigger);
  const preflight = defineStep({
    id: "preflight",
    title: `read the ${input.adapter} traffic split`,
    phase: "assess",
    changesTarget: false,
    run: async () => ({ weightBefore: await port.currentWeight(), adapter: port.adapter }),
    verify: ({ result }) => ({
      verdict: result.weightBefore === 0 ? "go" : "warn",
      figures: {
        weightBefore: result.weightBefore,
        adapter: result.adapter,
        layerEndsAt: input.layerEndsAt,
      },
      message:
        result.weightBefore === 0
          ? `no traffic on ${input.toVersion} yet; the compatibility layer translates until ${input.layerEndsAt}`
          : `${result.weightBefore}% of the traffic already goes to the new handler`,
    }),
  });
  const steps: Step[] = [preflight];
  if (deps.verifyRecordings) {
    const check = deps.verifyRecordings;
    steps.push(
      defineStep({
        id: "verify-recordings",
        title: `replay recorded ${input.fromVersion} exchanges against ${input.toVersion}`,
        phase: "assess",
        changesTarget: false,
        run: () => check(),
        verify: ({ result }) => ({
          verdict: result.differing === 0 ? "go" : "stop",
          figures: { replayed: result.replayed, differing: result.differing },
          message:
            result.differing === 0
              ? `${result.replayed} recorded exchange(s) answered the same through the layer`
              : `${result.differing} of ${result.replayed} differ, first: ${result.firstDifference ?? "?"}`,
        }),
      }),
    );
  }
  const weightBefore = (ctx: { output<T>(step: string): T }) =>
    ctx.output<{ weightBefore: number }>("preflight").weightBefore;
  input.stages.forEach((stage, index) => {
    const previous = input.stages[index - 1];
    steps.push(stageStep(input, stage, index, previous, deps, triggers, weightBefore));
  });
  const reconcile: ReconcilePort = async (effect) => {
    const { percent } = effect.intent as { percent: number };
    const current = await port.currentWeight();
    return current === percent
      ? { status: "applied", outcome: { percent, at: now().toISOString() } satisfies WeightOutcome }
      : { status: "not-applied" };
  };
  return {
    id: rolloutPlanId(input),
    title: `API rollout ${input.fromVersion} -> ${input.toVersion}`,
    hashInput: input,
    steps,
    reconcile,
  };
}

function stageStep(
  input: RolloutInput,
  stage: RolloutStage,
  index: number,
  previous: RolloutStage | undefined,
  deps: RolloutPlanDeps,
  triggers: ReturnType<typeof parseTrigger>[],
  weightBefore: (ctx: { output<T>(step: string): T }) => number,
): Step<StageResult> {
  const { port, now } = deps;
  const number = index + 1;
  const label = `stage ${number} (${stage.percent}%)`;
  return defineStep({
    id: `stage-${number}`,
    title: `${stage.percent}% of the traffic to ${input.toVersion} for ${formatMs(stage.durationMs)}`,
    phase: "execute",
    changesTarget: true,
    undo: "reversible",
    describe: () =>
      `would send ${stage.percent}% of the traffic to ${input.toVersion} and watch it`,
    describeRollback: () =>
      `would send ${previous?.percent ?? 0}% of the traffic to ${input.toVersion} again`,
    async run(ctx) {
      const applied = await ctx.effect<WeightOutcome>("weight", {
        intent: { percent: stage.percent, stage: number },
        apply: async () => {
          await port.setWeight(stage.percent);
          return { percent: stage.percent, at: now().toISOString() };
        },
      });
      const until = Date.parse(applied.at) + stage.durationMs;
      const { new: metrics, old } = await port.metrics();
      const tripped =
        metrics.requests >= stage.minRequests ? trippedTriggers(triggers, metrics) : [];
      const at = now();
      if (tripped.length === 0 && (at.getTime() < until || metrics.requests < stage.minRequests)) {
        // A stable reason: the engine re-checks every poll, and a terminal shows a reason again
        // only when it changes.
        ctx.wait({
          reason:
            at.getTime() < until
              ? `${label}: watching until ${new Date(until).toISOString()}`
              : `${label}: ${stage.minRequests} request(s) to the new handler needed to judge it`,
          until: new Date(until).toISOString(),
          condition: { kind: "rollout-stage", stage: number, percent: stage.percent },
        });
      }
      return {
        stage: number,
        percent: stage.percent,
        startedAt: applied.at,
        endedAt: at.toISOString(),
        metrics,
        old,
        tripped,
        endedEarly: tripped.length > 0 && at.getTime() < until,
      };
    },
    verify: ({ result }): VerifyResult => {
      const gated = verifyWithGates(stageGateChecks(input.gates, result.metrics));
      const figures = {
        stage: result.stage,
        percent: result.percent,
        requests: result.metrics.requests,
        errorRate: result.metrics.errorRate,
        p50Ms: result.metrics.p50Ms ?? null,
        p95Ms: result.metrics.p95Ms ?? null,
        p99Ms: result.metrics.p99Ms ?? null,
        meanMs: result.metrics.meanMs ?? null,
        availability: result.metrics.availability,
        oldRequests: result.old.requests,
        oldErrorRate: result.old.errorRate,
        gates: gated.figures,
        tripped: result.tripped,
      };
      if (result.tripped.length > 0) {
        const named = result.tripped
          .map(
            (trip) => `${trip.trigger} (${trip.metric} ${formatFigure(trip.metric, trip.actual)})`,
          )
          .join(", ");
        return {
          verdict: "stop",
          figures,
          message: `trigger ${named} tripped at ${label}: traffic goes back`,
        };
      }
      const summary =
        `${result.metrics.requests} req, errors ${(result.metrics.errorRate * 100).toFixed(2)}%, ` +
        `p99 ${result.metrics.p99Ms ?? result.metrics.meanMs ?? "?"}ms, ` +
        `availability ${(result.metrics.availability * 100).toFixed(3)}%`;
      return {
        verdict: gated.verdict,
        figures,
        message: gated.message === undefined ? summary : `${summary}; gates: ${gated.message}`,
      };
    },
    rollback: (ctx) =>
      ctx.effect<WeightOutcome>("restore-weight", {
        intent: { percent: previous?.percent ?? weightBefore(ctx), stage: number },
        apply: async () => {
          const percent = previous?.percent ?? weightBefore(ctx);
          await port.setWeight(percent);
          return { percent, at: now().toISOString() };
        },
      }),
  });
}

function formatFigure(metric: string, value: number): string {
  return metric === "error_rate" || metric === "availability"
    ? `${(value * 100).toFixed(2)}%`
    : `${value}ms`;
}

function formatMs(ms: number): string {
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(2)}h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(2)}m`;
  if (ms >= 1_000) return `${+(ms / 1_000).toFixed(2)}s`;
  return `${Math.round(ms)}ms`;
}
