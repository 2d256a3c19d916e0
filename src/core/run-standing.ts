import { FINAL_RUN_STATUSES, mayHaveChangedTarget, type RunState } from "./run-state";

/**
 * Whether a run still owes its target something: it may have changed the target and has
 * neither finished, rolled back nor been abandoned. Such a run blocks a new run of the same
 * target, whose plan would otherwise start from a world the unfinished run left half-changed
 * (a pause taken for an operator's, an upgrade undone by a stale resume). A run that failed or
 * stopped before changing anything, and every dry run, owe nothing.
 */
export function isRunUnfinished(state: RunState): boolean {
  if (FINAL_RUN_STATUSES.includes(state.status) || state.dryRun) return false;
  if (state.mode === "rollback" || state.status === "waiting") return true;
  return state.steps.some(
    (step) => (step.changesTarget || step.rollsBack) && mayHaveChangedTarget(step),
  );
}

/** Steps a dry run skipped because they would have changed the target. */
export function dryRunSkippedSteps(state: RunState): number {
  return state.steps.filter((step) => step.skipped?.reason === "dry-run").length;
}

/**
 * Where a run stands, in a few words a person reads in a listing: "completed", "failed at
 * upgrade", "waiting at monitor: 2 more block(s) to watch", "interrupted (SIGINT) before
 * snapshot", "rolled back (after a stop at invariants)", "abandoned: <reason>".
 */
export function describeStanding(state: RunState): string {
  const short = (id: string | undefined) =>
    id === undefined ? "?" : id.slice(id.indexOf("#") + 1);
  switch (state.status) {
    case "completed":
      return "completed";
    case "dry-run":
      return `dry run (${dryRunSkippedSteps(state)} step(s) skipped, nothing sent)`;
    case "rolled-back": {
      const cause = state.rollback?.cause;
      if (state.rollback?.reason === "interrupted") return "rolled back after an interruption";
      return cause ? `rolled back (after ${short(cause.step)} failed)` : "rolled back on request";
    }
    case "abandoned":
      return `abandoned: ${state.abandoned?.reason ?? ""}`;
    case "waiting": {
      const awaiting = state.awaiting;
      return `waiting at ${short(awaiting?.step)}: ${awaiting?.reason ?? ""}`;
    }
    case "failed": {
      const failure = state.failure;
      const where = failure?.scope === "rollback" ? "rollback of" : "at";
      return `failed ${where} ${short(failure?.step)}: ${failure?.error.code ?? ""} ${failure?.error.message ?? ""}`.trimEnd();
    }
    case "interrupted": {
      const last = state.interruptions.at(-1);
      if (last === undefined) return "interrupted (a step was wiped)";
      const during = last.mode === "rollback" ? " during its rollback" : "";
      const before = last.step === undefined ? "" : ` before ${short(last.step)}`;
      return `interrupted (${last.reason})${during}${before}`;
    }
    case "rolling-back":
      return `rolling back (or a crash stopped its rollback)`;
    case "running": {
      const current = state.steps.find((step) => step.status === "running");
      return `running ${short(current?.id)} (or a crash stopped it there)`;
    }
  }
}
