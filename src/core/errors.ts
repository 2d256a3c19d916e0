/**
 * Errors of the checkpoint engine. Every error a user can meet carries a stable `code`
 * (`AEGIS-E1xx` for the core), a one-line `message` naming what is wrong and a `hint` saying
 * how to fix it; tasks print the three without a stack trace. Tests assert codes, not wording.
 */
import { ERROR_CODES } from "./error-codes";
import type { PlanChange } from "./plan-diff";

/** The fields every AEGIS error exposes, and that the journal records for a failed step. */
export interface ErrorRecord {
  code: string;
  message: string;
  hint: string;
  /** The class name, kept so a report can tell a wrapped foreign error from our own. */
  name: string;
  /**
   * True when a person must decide what happens next (someone else acted on the target, e.g.
   * cancelled a timelocked call): the run is not rolled back automatically.
   */
  forPerson?: true;
}

/** Base class of every toolkit error (core, EVM, SQL, API). */
export class AegisError extends Error {
  /** Creates an error with its stable code, one-line message and fix hint. */
  constructor(
    public readonly code: string,
    message: string,
    public readonly hint: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Set by a subclass whose failure leaves the next move to a person (no automatic rollback). */
  readonly forPerson?: true;

  /** The journalable form of this error. */
  toRecord(): ErrorRecord {
    return toErrorRecord(this);
  }
}

/** Whether a value is an AegisError, including one from another copy of this module. */
export function isAegisError(value: unknown): value is AegisError {
  if (value instanceof AegisError) return true;
  // A plain duck-type check keeps errors thrown by a second copy of the toolkit (npm link,
  // nested node_modules) recognisable instead of being wrapped as foreign.
  return (
    value instanceof Error &&
    typeof (value as Partial<AegisError>).code === "string" &&
    /^AEGIS-E\d{3}$/.test((value as Partial<AegisError>).code as string) &&
    typeof (value as Partial<AegisError>).hint === "string"
  );
}

/** Turns anything thrown by a step into an error record for the journal. */
export function toErrorRecord(error: unknown): ErrorRecord {
  if (isAegisError(error)) {
    const record: ErrorRecord = {
      code: error.code,
      message: error.message,
      hint: error.hint,
      name: error.name,
    };
    if (error.forPerson === true) record.forPerson = true;
    return record;
  }
  return new StepThrewError(error).toRecord();
}

// ---- steps --------------------------------------------------------------------------------

/** AEGIS-E100: a step threw an error that is not an AegisError (a bug or a foreign library). */
export class StepThrewError extends AegisError {
  /** Wraps a foreign error, keeping its message. */
  constructor(cause: unknown) {
    const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      ERROR_CODES.STEP_THREW,
      `step threw ${firstLine(text)}`,
      "fix the cause shown, then resume the run to retry the step (or roll it back)",
    );
  }
}

// ---- plans --------------------------------------------------------------------------------

/** AEGIS-E101: a plan id, step id, effect key or artifact name is not safe as a file name. */
export class InvalidIdError extends AegisError {
  /** Names the offending id and what it identifies. */
  constructor(what: string, id: string) {
    super(
      ERROR_CODES.INVALID_ID,
      `${what} ${JSON.stringify(id)} is not a valid id`,
      "use 1-64 characters from a-z, A-Z, 0-9, '.', '_' and '-', starting with a letter or digit",
    );
  }
}

/** AEGIS-E102: two steps of a plan share an id. */
export class DuplicateStepIdError extends AegisError {
  /** Names the duplicated step id. */
  constructor(stepId: string) {
    super(
      ERROR_CODES.DUPLICATE_STEP_ID,
      `step id ${stepId} appears twice in the plan`,
      "give every step of a plan its own id",
    );
  }
}

/** AEGIS-E103: steps are not in the order of the migration phases. */
export class PhaseOrderError extends AegisError {
  /** Names the step that goes back to an earlier phase. */
  constructor(stepId: string, phase: string, previousPhase: string) {
    super(
      ERROR_CODES.PHASE_ORDER,
      `step ${stepId} is in phase ${phase} after a step in phase ${previousPhase}`,
      "order steps by phase: assess, prepare, execute, validate, stabilize",
    );
  }
}

/** AEGIS-E104: a step's declaration of undo/rollback is inconsistent. */
export class UndoDeclarationError extends AegisError {
  /** Names the step and what is inconsistent. */
  constructor(stepId: string, problem: string) {
    super(
      ERROR_CODES.UNDO_DECLARATION,
      `step ${stepId} ${problem}`,
      'a step that changes the target declares undo: "reversible" (with a rollback), ' +
        "{ partial: why } (with a rollback) or { irreversible: why } (without one)",
    );
  }
}

/** AEGIS-E105: a journal was written for a plan whose content hash differs from this plan's. */
export class PlanHashMismatchError extends AegisError {
  /**
   * Names the run and each field that differs, with its journaled and its new value (`changes`,
   * from diffPlanAgainstRun); a journal that does not keep the plan's input (undefined) can
   * only be told apart by its hash.
   */
  constructor(
    runId: string,
    public readonly journalHash: string,
    public readonly planHash: string,
    public readonly changes?: readonly PlanChange[],
  ) {
    super(
      ERROR_CODES.PLAN_HASH_MISMATCH,
      changes === undefined
        ? `run ${runId} was started for plan hash ${journalHash}, but this plan hashes to ${planHash}`
        : changes.length === 0
          ? `run ${runId} was started for plan hash ${journalHash}, but this plan hashes to ` +
            `${planHash}; every field its journal keeps is the same, so a redacted value differs`
          : `run ${runId} was started with another plan: ${describeChanges(changes)}`,
      "resume or roll back with the plan built from the input the run started with (its " +
        "journal keeps it), or give the run up and start a new one",
    );
  }
}

/** The changes as clauses of one line: `hashInput.amount changed from 1n to 2n; ...`. */
function describeChanges(changes: readonly PlanChange[]): string {
  const shown = changes.slice(0, MAX_CHANGES_SHOWN).map((change) => {
    if (change.before === undefined) return `${change.path} added (${change.after ?? ""})`;
    if (change.after === undefined) return `${change.path} removed (was ${change.before})`;
    return `${change.path} changed from ${change.before} to ${change.after}`;
  });
  const more = changes.length - shown.length;
  return `${shown.join("; ")}${more > 0 ? `; and ${more} more` : ""}`;
}

const MAX_CHANGES_SHOWN = 8;

/** AEGIS-E106: a step is malformed (no run function, unknown phase, missing hash input...). */
export class InvalidStepError extends AegisError {
  /** Names the step (or plan) and what is malformed. */
  constructor(what: string, problem: string) {
    super(
      ERROR_CODES.INVALID_STEP,
      `${what} ${problem}`,
      "a step needs an id, a phase (assess, prepare, execute, validate, stabilize), " +
        "changesTarget and a run function; a plan needs an id, hashInput and steps",
    );
  }
}

/** AEGIS-E107: a step's verify returned something that is not a verify result. */
export class InvalidVerifyResultError extends AegisError {
  /** Names the step and what was returned. */
  constructor(stepId: string, got: string) {
    super(
      ERROR_CODES.INVALID_VERIFY_RESULT,
      `verify of step ${stepId} returned ${got}`,
      'return { verdict: "go" | "warn" | "stop", figures: { ... }, message? }',
    );
  }
}

// ---- journal ------------------------------------------------------------------------------

/** AEGIS-E110: a journal line other than the last one is not a valid message. */
export class JournalCorruptError extends AegisError {
  /** Names the journal file, the 1-based line number and what is wrong with it. */
  constructor(
    public readonly file: string,
    public readonly line: number,
    problem: string,
  ) {
    super(
      ERROR_CODES.JOURNAL_CORRUPT,
      `journal ${file} is corrupt at line ${line}: ${problem}`,
      "the journal was edited or the disk damaged it; restore it from a backup, or inspect the " +
        "target by hand and start a new run",
    );
  }
}

/** AEGIS-E111: there is no run (no journal) at the given place. */
export class RunNotFoundError extends AegisError {
  /** Names the missing run directory; a kind may say how its runs are listed. */
  constructor(
    runDir: string,
    hint = "check the run id (list the runs of this base directory) and the base directory",
  ) {
    super(ERROR_CODES.RUN_NOT_FOUND, `no run journal found in ${runDir}`, hint);
  }
}

/** AEGIS-E112: a value given to the journal cannot be serialized faithfully. */
export class NotJournalableError extends AegisError {
  /** Names the path inside the value and the kind of value found. */
  constructor(path: string, found: string) {
    super(
      ERROR_CODES.NOT_JOURNALABLE,
      `value at ${path || "(root)"} is a ${found}, which the journal cannot store`,
      "return plain JSON data (objects, arrays, strings, finite numbers, booleans, null), " +
        "bigint or Uint8Array; convert other values (e.g. Date to an ISO string)",
    );
  }
}

// ---- locks --------------------------------------------------------------------------------

/** The owner recorded in a target lock. */
export interface LockOwner {
  pid: number;
  host: string;
  runId: string;
}

/** AEGIS-E120: another live run holds the lock of the target. */
export class LockHeldError extends AegisError {
  /** Names the target and the owner of its lock. */
  constructor(
    public readonly targetKey: string,
    public readonly owner: LockOwner,
    expiresAt: string,
  ) {
    super(
      ERROR_CODES.LOCK_HELD,
      `target ${targetKey} is locked by run ${owner.runId} (pid ${owner.pid} on ${owner.host}) ` +
        `until ${expiresAt}`,
      "wait for that run to finish; if its process is gone, the lock heals when it expires",
    );
  }
}

/** AEGIS-E121: this run's lock was taken over by another run while it was running. */
export class LockLostError extends AegisError {
  /** Names the target and the run that lost its lock. */
  constructor(targetKey: string, runId: string) {
    super(
      ERROR_CODES.LOCK_LOST,
      `run ${runId} lost its lock on target ${targetKey}`,
      "the process was probably suspended past the lock's expiry; check the other run, then " +
        "resume this one once the target is free",
    );
  }
}

/** AEGIS-E122: a lock file exists but cannot be read as a lock. */
export class LockUnreadableError extends AegisError {
  /** Names the lock file. */
  constructor(file: string) {
    super(
      ERROR_CODES.LOCK_UNREADABLE,
      `lock file ${file} is not a valid lock`,
      "make sure no run is active on this target, then delete the file",
    );
  }
}

// ---- effects ------------------------------------------------------------------------------

/** AEGIS-E130: a step declared two effects with the same key. */
export class DuplicateEffectKeyError extends AegisError {
  /** Names the step and the key. */
  constructor(stepId: string, key: string) {
    super(
      ERROR_CODES.DUPLICATE_EFFECT_KEY,
      `step ${stepId} declared effect ${key} twice in one attempt`,
      "give every side effect of a step its own key (e.g. suffix a counter)",
    );
  }
}

/** AEGIS-E131: an intent has no outcome and nothing can tell whether it was applied. */
export class EffectUnreconcilableError extends AegisError {
  /** Names the step and effect. */
  constructor(stepId: string, key: string) {
    super(
      ERROR_CODES.EFFECT_UNRECONCILABLE,
      `effect ${key} of step ${stepId} was started but its outcome is unknown, and no ` +
        "reconcile port is defined",
      "define reconcile on the plan or the step; otherwise check the target by hand, then roll " +
        "the run back or abandon it",
    );
  }
}

/** AEGIS-E132: a step that declares it does not change the target declared an effect. */
export class EffectInReadOnlyStepError extends AegisError {
  /** Names the step and effect. */
  constructor(stepId: string, key: string) {
    super(
      ERROR_CODES.EFFECT_IN_READ_ONLY_STEP,
      `step ${stepId} declares changesTarget: false but declared effect ${key}`,
      "set changesTarget: true on the step (dry runs will then skip it)",
    );
  }
}

/** AEGIS-E133: a reconcile port returned something that is not a reconcile result. */
export class InvalidReconcileResultError extends AegisError {
  /** Names the effect and what was returned. */
  constructor(stepId: string, key: string, got: string) {
    super(
      ERROR_CODES.INVALID_RECONCILE_RESULT,
      `reconcile port returned ${got} for effect ${key} of step ${stepId}`,
      'return { status: "applied", outcome }, { status: "not-applied" } or ' +
        '{ status: "pending", awaiting }',
    );
  }
}

/** AEGIS-E135: the reconcile port failed (e.g. the node or database was unreachable). */
export class ReconcileFailedError extends AegisError {
  /** Names the effect and the port's error. */
  constructor(stepId: string, key: string, cause: unknown) {
    const text = isAegisError(cause)
      ? `${cause.code} ${cause.message}`
      : cause instanceof Error
        ? cause.message
        : String(cause);
    super(
      ERROR_CODES.RECONCILE_FAILED,
      `could not find out whether effect ${key} of step ${stepId} was applied: ${firstLine(text)}`,
      "fix the connection to the target, then resume the run (nothing was repeated)",
    );
  }
}

/**
 * AEGIS-E134: thrown by an effect's `apply` when it knows nothing was applied (for example a
 * check failed before a transaction was sent), so a retry may apply it again without asking
 * the reconcile port.
 */
export class EffectNotAppliedError extends AegisError {
  /** Describes why nothing was applied. */
  constructor(reason: string, hint = "fix the cause, then resume the run to retry the step") {
    super(ERROR_CODES.EFFECT_NOT_APPLIED, `effect not applied: ${reason}`, hint);
  }
}

// ---- outputs and artifacts ------------------------------------------------------------------

/** AEGIS-E140: a step read the output of a step that has not completed. */
export class OutputUnavailableError extends AegisError {
  /** Names the reading step, the step read and why its output is missing. */
  constructor(readerId: string, stepId: string, why: string) {
    super(
      ERROR_CODES.OUTPUT_UNAVAILABLE,
      `step ${readerId} read the output of ${stepId}, which ${why}`,
      "read only outputs of earlier steps; in a dry run, check ctx.hasOutput() first",
    );
  }
}

/** AEGIS-E141: an artifact file is missing or differs from the hash the journal recorded. */
export class ArtifactIntegrityError extends AegisError {
  /** Names the artifact file and the problem. */
  constructor(file: string, problem: string) {
    super(
      ERROR_CODES.ARTIFACT_INTEGRITY,
      `artifact ${file} ${problem}`,
      "the run folder was changed after the artifact was written; restore the file from a " +
        "backup of the run folder, then resume the run or roll it back",
    );
  }
}

/** AEGIS-E142: an artifact was asked for that the journal does not know. */
export class ArtifactNotFoundError extends AegisError {
  /** Names the step and artifact. */
  constructor(stepId: string, name: string) {
    super(
      ERROR_CODES.ARTIFACT_NOT_FOUND,
      `step ${stepId} has no artifact named ${name}`,
      "write the artifact with ctx.writeArtifact before reading it",
    );
  }
}

// ---- run control --------------------------------------------------------------------------

/** AEGIS-E150: a run cannot be resumed in its current state. */
export class RunNotResumableError extends AegisError {
  /** Names the run, its status and what to do instead. */
  constructor(runId: string, why: string, hint: string) {
    super(ERROR_CODES.RUN_NOT_RESUMABLE, `run ${runId} cannot be resumed: ${why}`, hint);
  }
}

/** AEGIS-E151: a step's verify returned a stop verdict. */
export class VerdictStopError extends AegisError {
  /** Names the step and the verify message. */
  constructor(stepId: string, message?: string) {
    super(
      ERROR_CODES.VERDICT_STOP,
      `step ${stepId} verified stop${message ? `: ${firstLine(message)}` : ""}`,
      "inspect the figures in the report; a resume does not lift a stop verdict: roll the run " +
        "back (if that did not happen already), or abandon it if the target is acceptable as it is",
    );
  }
}

/** AEGIS-E152: a step cannot be wiped in its current state. */
export class WipeRefusedError extends AegisError {
  /** Names the step and why. */
  constructor(stepId: string, why: string) {
    super(
      ERROR_CODES.WIPE_REFUSED,
      `step ${stepId} cannot be wiped: ${why}`,
      "resume the run or roll it back instead; only a failed or waiting step of an unfinished " +
        "run that is not rolling back can be wiped",
    );
  }
}

/** AEGIS-E153: a run cannot be rolled back in its current state. */
export class RollbackRefusedError extends AegisError {
  /** Names the run and why. */
  constructor(runId: string, why: string) {
    super(
      ERROR_CODES.ROLLBACK_REFUSED,
      `run ${runId} cannot be rolled back: ${why}`,
      "check the run's status; a rolled-back run or a dry run has nothing to roll back",
    );
  }
}

/** AEGIS-E154: an override names a step that is not blocked by a stop verdict. */
export class InvalidOverrideError extends AegisError {
  /** Names the step. */
  constructor(stepId: string) {
    super(
      ERROR_CODES.INVALID_OVERRIDE,
      `override names step ${stepId}, which has no stop verdict to override`,
      "override only the step whose verify said stop, giving a reason",
    );
  }
}

/** AEGIS-E155: a run that a person abandoned is never resumed. */
export class RunAbandonedError extends AegisError {
  /** Names the run and when it was abandoned. */
  constructor(runId: string, at: string) {
    super(
      ERROR_CODES.RUN_ABANDONED,
      `run ${runId} was abandoned${at ? ` at ${at}` : ""}: it is never resumed or rolled back`,
      "start a new run: it starts from what the abandoned run left on the target (listing the " +
        "runs shows where each stands)",
    );
  }
}

/** AEGIS-E156: a run cannot be abandoned in its current state. */
export class AbandonRefusedError extends AegisError {
  /** Names the run and why. */
  constructor(runId: string, why: string) {
    super(
      ERROR_CODES.ABANDON_REFUSED,
      `run ${runId} cannot be abandoned: ${why}`,
      "only an unfinished run (interrupted, failed, waiting) can be abandoned",
    );
  }
}

/** AEGIS-E157: a duration option that is not a duration. */
export class InvalidDurationError extends AegisError {
  /** Names the option and what it was given. */
  constructor(option: string, given: string) {
    super(
      ERROR_CODES.INVALID_DURATION,
      `${option} takes a duration, not "${given}"`,
      `write it as a number with a unit: ${option} 90s, ${option} 10m, ${option} 1h`,
    );
  }
}

// ---- gates --------------------------------------------------------------------------------

/** AEGIS-E160: a gate's thresholds are inconsistent. */
export class GateConfigError extends AegisError {
  /** Names the metric and what is inconsistent. */
  constructor(metric: string, problem: string) {
    super(
      ERROR_CODES.GATE_CONFIG,
      `gate ${metric}: ${problem}`,
      "for 'higher is worse' use baseline <= acceptable <= critical; for 'lower is worse' the " +
        "reverse; thresholds and values must be finite numbers or bigints",
    );
  }
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
