/**
 * What `api:rollout` does, with its dependencies as arguments (the task only wires Hardhat):
 * start a rollout from a spec or resume one from its journal, drive it through its observation
 * windows, write its reports and say how it ended, as an exit code of core/exit-codes.ts.
 */
import type { EngineEvent } from "../core/engine-events";
import { EXIT_CODES, type ExitCode } from "../core/exit-codes";
import type { RunState } from "../core/run-state";
import type { StopRequest } from "../core/stop-request";
import { createCompatibilityLayer } from "./compatibility-layer";
import { InvalidRolloutOptionError } from "./errors";
import { loadMigrationSpec } from "./load-migration-spec";
import { rolloutInputOf } from "./rollout-input";
import {
  journaledWeight,
  readRolloutInput,
  resumeRollout,
  startRollout,
  type ReportPaths,
  type RolloutResult,
} from "./rollout-run";
import { openTraffic } from "./rollout-traffic";
import { recordingsCheckOf } from "./verify-command";

/** The command's arguments. */
export interface RolloutCommandArgs {
  spec?: string;
  resume?: string;
  /** Overrides the spec's time_scale. */
  timeScale?: number;
  /** How long to keep watching windows, in ms; undefined: leave the run waiting at the first. */
  watchMs?: number;
  pollMs?: number;
}

/** The command's dependencies. */
export interface RolloutCommandDeps {
  baseDir: string;
  writeReports(runDir: string, state: RunState): ReportPaths;
  onEvent(event: EngineEvent): void;
  /** Lines for people. */
  print(line: string): void;
  stop?: StopRequest;
  now?: () => Date;
}

/** Runs (or resumes) a rollout and returns the exit code. */
export async function runRolloutCommand(
  args: RolloutCommandArgs,
  deps: RolloutCommandDeps,
): Promise<ExitCode> {
  const now = deps.now ?? (() => new Date());
  const input = args.resume === undefined ? undefined : readRolloutInput(deps.baseDir, args.resume);
  const specFile = input?.specFile ?? args.spec;
  if (specFile === undefined) {
    throw new InvalidRolloutOptionError("--spec", "give the spec file, or --resume <run id>");
  }
  const loaded = loadMigrationSpec(specFile);
  const layerEndsAt = createCompatibilityLayer(loaded.spec, loaded.chain, { now }).endsAt;
  const initial = args.resume === undefined ? 0 : journaledWeight(deps.baseDir, args.resume);
  const traffic = await openTraffic(loaded, initial, now);
  deps.print(
    `API rollout · ${loaded.spec.name} · ${loaded.spec.from_version} -> ${loaded.spec.to_version} · ${traffic.where}`,
  );
  try {
    const verify = recordingsCheckOf(loaded, now);
    const runDeps = {
      port: traffic.port,
      ...(verify === undefined ? {} : { verifyRecordings: verify }),
      now,
      baseDir: deps.baseDir,
      writeReports: deps.writeReports,
      onEvent: deps.onEvent,
      ...(deps.stop ? { stop: deps.stop } : {}),
      ...(args.watchMs === undefined
        ? {}
        : { waitPolicy: { deadline: Date.now() + args.watchMs, pollMs: args.pollMs ?? 1_000 } }),
    };
    const result =
      args.resume === undefined || input === undefined
        ? await startRollout(
            rolloutInputOf(loaded, {
              ...(args.timeScale === undefined ? {} : { timeScale: args.timeScale }),
              layerEndsAt: layerEndsAt.toISOString(),
            }),
            runDeps,
          )
        : await resumeRollout(args.resume, input, runDeps);
    return describeEnding(result, deps.print);
  } finally {
    await traffic.close();
  }
}

/** Prints how the run ended and returns its exit code. */
export function describeEnding(result: RolloutResult, print: (line: string) => void): ExitCode {
  const report = result.reports ? ` Report: ${result.reports.markdown}` : "";
  switch (result.status) {
    case "completed":
      print(`Rolled out: all traffic goes to the new version.${report}`);
      return EXIT_CODES.done;
    case "waiting":
      print(
        `Waiting: ${result.awaiting?.reason ?? "an observation window"}. Continue with npx hardhat api:rollout --resume ${result.runId}.${report}`,
      );
      return EXIT_CODES.resumable;
    case "interrupted":
      print(
        `Interrupted. Continue with npx hardhat api:rollout --resume ${result.runId}.${report}`,
      );
      return EXIT_CODES.resumable;
    case "rolled-back":
      print(
        `Rolled back: ${(result.failure?.error.message ?? "a stage failed").replace(/\.$/, "")}; traffic is back where it was.${report}`,
      );
      return EXIT_CODES.failed;
    default:
      print(
        `Run ${result.status}: ${(result.failure?.error.message ?? "").replace(/\.$/, "")}.${report}`,
      );
      return EXIT_CODES.failed;
  }
}
