/**
 * How an upgrade command tells a person where things stand when it ends: what the run did,
 * what state the protocol is in now (read from the chain, not from the run's belief), the exact
 * command that goes on from here, and the exit code that says the same to CI.
 */
import { EXIT_CODES, type ExitCode } from "../../core/exit-codes";
import { findStep } from "../../core/run-state";
import type { UpgradePlanInput } from "./plan-input";
import type { UpgradeRunResult } from "./upgrade-run";

/** The proxy as read when the command ends. */
export interface TargetNow {
  implementation: string;
  paused: boolean;
}

/** Which command ended. */
export type EndingCommand = "upgrade" | "rollback" | "abandon";

/** What to print (stdout and stderr) and how to exit. */
export interface Ending {
  lines: string[];
  errors: string[];
  exitCode: ExitCode;
}

/** The implementation's contract name when it is one of the run's two, else the address alone. */
function implementationName(input: UpgradePlanInput, address: string, installed?: string): string {
  if (address === input.from.implementation) return `${input.from.contract} (${address})`;
  if (address === installed) return `${input.to.contract} (${address})`;
  return address;
}

/** One sentence on the protocol now: paused or not, and which implementation it runs. */
function describeTarget(
  input: UpgradePlanInput,
  now: TargetNow,
  pausedByRun: boolean,
  installed?: string,
): string {
  const paused = now.paused
    ? pausedByRun
      ? "The protocol is PAUSED by this run"
      : "The protocol is PAUSED (not by this run)"
    : "The protocol is not paused";
  return `${paused}; the proxy points at ${implementationName(input, now.implementation, installed)}.`;
}

/** The ending of an upgrade, rollback or abandon command for a person and for CI. */
export function describeEnding(
  result: UpgradeRunResult,
  input: UpgradePlanInput,
  context: {
    command: EndingCommand;
    network: string;
    now: TargetNow | undefined;
    pausedByRun: boolean;
  },
): Ending {
  if (result.status === "declined") {
    return { lines: ["Declined: nothing was sent."], errors: [], exitCode: EXIT_CODES.failed };
  }
  const { runId } = result;
  const resume = `npx hardhat aegis:upgrade --network ${context.network} --resume ${runId}`;
  const rollback = `npx hardhat aegis:rollback --network ${context.network} --run ${runId}`;
  const deployed = findStep(result.state, "deploy-implementation");
  const installed = deployed?.hasOutput
    ? (deployed.output as { address: string }).address
    : undefined;
  const target = context.now
    ? describeTarget(input, context.now, context.pausedByRun, installed)
    : "";
  const errors: string[] = [];
  // A requested rollback's cause is the run's old failure, already reported when it happened.
  if (result.failure && (result.status !== "rolled-back" || context.command === "upgrade")) {
    const { error, step } = result.failure;
    errors.push(`${error.code} ${error.message} (at ${step})`, `  hint: ${error.hint}`);
  }
  const lines: string[] = [];
  let exitCode: ExitCode = EXIT_CODES.failed;
  const interruption = result.state.interruptions.at(-1);
  switch (result.status) {
    case "completed":
      lines.push("Upgrade complete.");
      if (context.now?.paused) lines.push(target);
      exitCode = EXIT_CODES.done;
      break;
    case "dry-run":
      lines.push("Dry run complete: nothing was sent.");
      exitCode = EXIT_CODES.done;
      break;
    case "waiting":
      lines.push(
        `Waiting: ${result.awaiting?.reason ?? ""}. ${target}`,
        `Go on watching: ${resume}`,
      );
      exitCode = EXIT_CODES.resumable;
      break;
    case "interrupted": {
      const where =
        interruption?.step === undefined
          ? ""
          : ` before ${interruption.step.slice(interruption.step.indexOf("#") + 1)}`;
      const during = interruption?.mode === "rollback" ? " during its rollback" : "";
      lines.push(
        `Interrupted (${interruption?.reason ?? "stop requested"})${during}${where}: nothing is in flight and the journal is complete. ${target}`,
        ...(interruption?.mode === "rollback"
          ? [`Finish it: ${rollback}`]
          : [`Finish it: ${resume}`, `Undo it:   ${rollback}`]),
      );
      exitCode = EXIT_CODES.resumable;
      break;
    }
    case "rolled-back":
      if (context.command === "rollback") {
        lines.push(
          `Rolled back. ${target} A reinitializer's writes stay in storage; the report lists them.`,
        );
        exitCode = EXIT_CODES.done;
      } else if (result.state.rollback?.reason === "interrupted") {
        lines.push(
          `Interrupted (${interruption?.reason ?? "stop requested"}) before the upgrade was sent: the run undid what it had done. ${target}`,
        );
      } else {
        lines.push(
          `Rolled back: the proxy points at its previous implementation and the protocol is unpaused (a reinitializer's writes stay in storage; the report lists them). ${target}`,
        );
      }
      break;
    case "failed": {
      const why = result.state.options.autoRollback
        ? "NOT rolled back: the failure leaves it unclear what to undo"
        : "NOT rolled back (--no-auto-rollback)";
      // Left paused by the run so that a person can look before anything else happens.
      const left = target.replace("PAUSED by this run", "PAUSED on purpose by this run");
      lines.push(
        `Stopped at ${result.failure?.step ?? "a step"} and ${why}. ${left}`,
        `Retry it: ${resume}`,
        `Undo it:  ${rollback}`,
      );
      break;
    }
    case "abandoned":
      lines.push(
        `Run ${runId} is abandoned: it will never be resumed or rolled back. ${target}`,
        "A new run of this proxy may start; it takes over a pause this run left and lifts it at the end.",
      );
      exitCode = EXIT_CODES.done;
      break;
  }
  lines.push(`Report: ${result.reports.markdown}`);
  return { lines, errors, exitCode };
}
