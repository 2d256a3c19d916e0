import * as fs from "node:fs";

import type { ContextHost } from "./context-host";
import { reconcilePendingEffects } from "./effect-reconciler";
import type { EngineEventBody, EngineEventListener, UnjournaledEventBody } from "./engine-events";
import { eventsOf } from "./event-of";
import type { EffectScope } from "./effect-types";
import { ERROR_CODES } from "./error-codes";
import {
  InvalidVerifyResultError,
  LockLostError,
  NotJournalableError,
  PlanHashMismatchError,
  toErrorRecord,
} from "./errors";
import { fullStepId } from "./ids";
import {
  JOURNAL_VERSION,
  type Durability,
  type JournalLine,
  type JournalMessage,
  type ResumeIntent,
} from "./journal-messages";
import { truncateTornTail, type TornTail } from "./journal-reader";
import { JournalWriter } from "./journal-writer";
import { loadRun, type LoadedRun } from "./load-run";
import { diffPlanAgainstRun } from "./plan-diff";
import { computePlanHash } from "./plan-hash";
import { previewPlan } from "./plan-preview";
import type { Plan, RollbackReason, Step, Verdict } from "./plan-types";
import { validatePlan } from "./plan-validation";
import { createRunDir } from "./run-id";
import type { EngineOptions, RunPlanOptions, RunResult, WaitPolicy } from "./run-options";
import { assertTargetKey, journalFileOf, runDirOf } from "./run-paths";
import {
  findStep,
  isStepDone,
  mayHaveChangedTarget,
  type RunState,
  type StepState,
} from "./run-state";
import { StepArrayOwner } from "./run-state-reducer";
import { createRollbackContext, createStepContext, createVerifyContext } from "./step-context";
import type { StopRequest } from "./stop-request";
import { lockerOf } from "./file-locker";
import type { HeldLock } from "./lock-port";
import { isWaitSignal, type Awaiting } from "./wait-signal";

/**
 * One process's session of a run: it holds the target lock and the journal writer, folds
 * every line it writes into the state, and drives steps forward or rolls them back. A run is
 * one or more sessions (start, then resumes), all reading the same journal.
 */
export class RunSession implements ContextHost {
  private current: RunState | undefined;
  private fatal: Error | undefined;
  private closed = false;
  private readonly listener: EngineEventListener | undefined;
  private readonly clock: () => Date;
  private readonly sessionStarted = performance.now();
  private readonly stop: StopRequest | undefined;
  private readonly waitPolicy: WaitPolicy | undefined;
  /** Stop requests this session has already acted on (one asked before it began counts). */
  private stopsHandled = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Set when a renewal found the lock gone: nothing more is written. */
  private lockLost = false;
  // The session keeps nothing but its current state, so its fold may write steps in place.
  private readonly fold = new StepArrayOwner();
  private planSteps: Map<string, Step<unknown>> | undefined;

  private constructor(
    readonly runId: string,
    readonly runDir: string,
    readonly plan: Plan,
    readonly durability: Durability,
    private readonly lock: HeldLock,
    private writer: JournalWriter | undefined,
    options: EngineOptions,
    state: RunState | undefined,
  ) {
    this.listener = options.onEvent;
    this.clock = options.now ?? (() => new Date());
    this.current = state;
    this.stop = options.stop;
    this.waitPolicy = options.waitPolicy;
  }

  /** Starts a new run: validates and hashes the plan, creates the run folder, locks, journals. */
  static async start(options: RunPlanOptions): Promise<RunSession> {
    const plan = options.plan;
    validatePlan(plan);
    const planHash = computePlanHash(plan);
    const preview = previewPlan(plan, planHash);
    const targetKey = options.targetKey ?? plan.id;
    assertTargetKey(targetKey);
    const durability = options.durability ?? "fsync";
    const clock = options.now ?? (() => new Date());
    const { runId, runDir } = createRunDir(options.baseDir, plan.id, clock());
    let lock: HeldLock;
    try {
      lock = await lockerOf(options).acquire({ targetKey, runId });
    } catch (error) {
      fs.rmSync(runDir, { recursive: true, force: true });
      throw error;
    }
    const session = new RunSession(
      runId,
      runDir,
      plan,
      durability,
      lock,
      undefined,
      options,
      undefined,
    );
    try {
      session.writer = JournalWriter.create(
        journalFileOf(runDir),
        session.writerOptions(targetKey),
      );
      session.record({
        type: "RUN_STARTED",
        journalVersion: JOURNAL_VERSION,
        runId,
        planId: plan.id,
        ...(plan.title === undefined ? {} : { planTitle: plan.title }),
        planHash,
        dryRun: options.dryRun ?? false,
        targetKey,
        options: { autoRollback: options.autoRollback ?? true, durability },
        steps: preview.steps,
        ...(plan.hashInput === undefined ? {} : { hashInput: plan.hashInput }),
      });
      session.recordLock();
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  /**
   * Opens an existing run for a new session: checks the plan hash, takes the lock and reads the
   * journal again under it. Nothing is written until begin().
   */
  static async reopen(options: EngineOptions & { plan: Plan; runId: string }): Promise<{
    session: RunSession;
    loaded: LoadedRun;
  }> {
    const plan = options.plan;
    validatePlan(plan);
    const planHash = computePlanHash(plan);
    const runDir = runDirOf(options.baseDir, options.runId);
    const before = loadRun(runDir);
    if (before.state.planHash !== planHash) {
      throw new PlanHashMismatchError(
        before.state.runId,
        before.state.planHash,
        planHash,
        diffPlanAgainstRun(before.state, plan),
      );
    }
    const lock = await lockerOf(options).acquire({
      targetKey: before.state.targetKey,
      runId: before.state.runId,
    });
    try {
      const loaded = loadRun(runDir);
      const session = new RunSession(
        loaded.state.runId,
        runDir,
        plan,
        loaded.state.options.durability,
        lock,
        undefined,
        options,
        loaded.state,
      );
      return { session, loaded };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Begins a resumed session: repairs a torn tail, then journals the resume and the lock. */
  begin(intent: ResumeIntent, tornTail: TornTail | undefined): void {
    const file = journalFileOf(this.runDir);
    if (tornTail) truncateTornTail(file, tornTail);
    this.writer = JournalWriter.open(
      file,
      this.state.lastSeq,
      this.writerOptions(this.state.targetKey),
    );
    this.record({ type: "RUN_RESUMED", planHash: this.state.planHash, intent });
    if (tornTail) {
      this.record({ type: "JOURNAL_TAIL_REPAIRED", line: tornTail.line, bytes: tornTail.bytes });
    }
    this.recordLock();
  }

  /** The current folded state, valid until the next line is recorded: read it again then. */
  get state(): RunState {
    if (this.current === undefined) throw new Error("run state read before RUN_STARTED");
    return this.current;
  }

  /**
   * Appends a message durably, folds it into the state and emits the line's events (see
   * ContextHost): where a session turns each journaled fact into its events (eventsOf).
   */
  record(message: JournalMessage, elapsedMs?: number): JournalLine {
    this.assertHealthy();
    const writer = this.writer;
    if (writer === undefined) throw new Error("journal written before it was opened");
    // The line is folded before it is written: a line the reducer rejects never reaches disk,
    // where it would make the journal unreadable.
    const prepared = writer.prepare(message);
    const next = this.fold.fold(this.current, prepared.line);
    try {
      writer.write(prepared);
    } catch (error) {
      this.fold.revert();
      this.fatal = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    this.fold.commit();
    this.current = next;
    if (this.listener) {
      if (prepared.redactedPaths.length > 0) {
        this.emit({
          type: "journal.redacted",
          ...("step" in message ? { step: message.step } : {}),
          paths: prepared.redactedPaths,
        });
      }
      const line = prepared.line;
      const context = {
        runDir: this.runDir,
        state: next,
        sessionMs: () => this.sessionMs(),
        ...(elapsedMs === undefined ? {} : { elapsedMs }),
      };
      for (const body of eventsOf(line, context)) this.deliver(body, line.at);
    }
    return prepared.line;
  }

  /** Emits a fact that has no journal line (see UnjournaledEventBody). */
  emit(body: UnjournaledEventBody): void {
    if (this.listener) this.deliver(body, this.clock().toISOString());
  }

  /** Hands an event to the listener; a listener's exception is contained. */
  private deliver(body: EngineEventBody, at: string): void {
    try {
      this.listener?.({ ...body, runId: this.runId, at });
    } catch {
      // A renderer's bug must not interrupt a migration between an intent and its outcome.
    }
  }

  /** Throws the session's fatal error (lost lock, broken journal) if there is one. */
  assertHealthy(): void {
    if (this.fatal) throw this.fatal;
    if (this.lockLost || this.lock.lost) {
      this.fatal = new LockLostError(this.lock.targetKey, this.runId);
      throw this.fatal;
    }
  }

  // ---- forward ------------------------------------------------------------------------------

  /** Runs the plan's remaining steps in order, stopping at a failure, a stop or a wait. */
  async forward(): Promise<void> {
    for (const step of this.plan.steps) {
      const id = fullStepId(this.plan.id, step.id);
      const state = this.step(id);
      if (isStepDone(state)) {
        this.emit({ type: "step.skipped", step: id, reason: "already-done" });
        continue;
      }
      if (state.status === "stopped") return;
      if (this.stop) await yieldToEventLoop();
      if (this.stopPending()) return this.stopForward(id);
      if (state.status !== "completed") {
        if (this.state.dryRun && step.changesTarget) {
          const description = state.description;
          this.record({
            type: "STEP_SKIPPED",
            step: id,
            reason: "dry-run",
            ...(description === undefined ? {} : { description }),
          });
          continue;
        }
        const outcome = await this.executeStep(step, id);
        if (outcome === "waiting") return;
        if (outcome === "failed") return this.afterFailure("failure");
      }
      if (step.verify) {
        const verdict = await this.verifyStep(step, id);
        if (verdict === "failed") return this.afterFailure("failure");
        if (verdict === "stop") return this.afterFailure("stop-verdict");
      }
    }
    this.record({ type: "RUN_COMPLETED" });
  }

  /**
   * Runs forward (or goes on rolling back), then, with a wait policy, keeps re-entering a
   * waiting step every pollMs until it goes on, the deadline passes or a stop is requested.
   * Each re-entry is journaled like any attempt, so a process that ends meanwhile resumes.
   */
  async drive(): Promise<void> {
    await this.continueInMode();
    await this.waitThrough();
  }

  /** With a wait policy, polls a waiting run (see drive) until it goes on or may not wait more. */
  async waitThrough(): Promise<void> {
    const policy = this.waitPolicy;
    while (policy && this.state.status === "waiting") {
      const remaining = policy.deadline - Date.now();
      if (remaining <= 0) return;
      if (this.stopPending()) return this.recordStop(this.state.awaiting?.step);
      const pause = Math.min(policy.pollMs, remaining);
      const slept = this.stop
        ? await this.stop.sleep(pause)
        : await new Promise<"elapsed">((resolve) => setTimeout(() => resolve("elapsed"), pause));
      if (slept === "stopped" || this.stopPending()) {
        this.recordStop(this.state.awaiting?.step);
        return;
      }
      if (policy.beforePoll && this.state.awaiting) await policy.beforePoll(this.state.awaiting);
      await this.continueInMode();
    }
  }

  private async continueInMode(): Promise<void> {
    if (this.state.mode === "rollback") {
      await this.rollback(this.state.rollback?.reason ?? "requested");
    } else {
      await this.forward();
    }
  }

  /** Whether a stop was requested that this session has not acted on yet. */
  private stopPending(): boolean {
    return this.stop !== undefined && this.stop.requests > this.stopsHandled;
  }

  /** Journals a requested stop at a safe point (before `step`, or while waiting). */
  private recordStop(step: string | undefined): void {
    // One request is acted on per stop: a second Ctrl-C that came before this point still
    // stops the rollback this stop may begin.
    this.stopsHandled = Math.min(this.stopsHandled + 1, this.stop?.requests ?? 0);
    const reason = this.stop?.reason ?? "stop requested";
    const mode = this.state.mode;
    this.record({
      type: "RUN_INTERRUPTED",
      reason,
      mode,
      ...(step === undefined ? {} : { step }),
    });
  }

  /**
   * A stop before step `id`: journaled, then, before the plan's point of no return, what the
   * run did is rolled back (a second stop request interrupts that rollback in turn).
   */
  private async stopForward(id: string): Promise<void> {
    this.recordStop(id);
    if (this.rollsBackOnStop()) await this.rollback("interrupted");
  }

  private rollsBackOnStop(): boolean {
    const boundary = this.plan.rollbackOnStopBefore;
    if (boundary === undefined || !this.state.options.autoRollback || this.state.dryRun)
      return false;
    const noReturn = findStep(this.state, boundary);
    if (noReturn === undefined || noReturn.attempts > 0) return false;
    return rollbackCandidates(this.state).some((id) => mayHaveChangedTarget(this.step(id)));
  }

  private async executeStep(
    step: Step<unknown>,
    id: string,
  ): Promise<"completed" | "failed" | "waiting"> {
    const attempt = this.step(id).attempts + 1;
    this.record({ type: "STEP_STARTED", step: id, attempt });
    const started = performance.now();
    const reconciled = await reconcilePendingEffects(
      this,
      id,
      "run",
      step.reconcile ?? this.plan.reconcile,
    );
    if (reconciled.kind === "pending")
      return this.stepWaiting(id, "run", reconciled.awaiting, started);
    if (reconciled.kind === "failed") return this.stepFailed(id, reconciled.error, started);

    const handle = createStepContext(this, this.step(id), attempt);
    let output: unknown;
    try {
      output = await step.run(handle.context);
    } catch (error) {
      handle.close();
      this.assertHealthy();
      if (isWaitSignal(error)) return this.stepWaiting(id, "run", error.awaiting, started);
      return this.stepFailed(id, error, started);
    }
    handle.close();
    this.assertHealthy();
    const durationMs = elapsedMs(started);
    try {
      this.record({ type: "STEP_COMPLETED", step: id, output, durationMs });
    } catch (error) {
      if (error instanceof NotJournalableError) return this.stepFailed(id, error, started);
      throw error;
    }
    return "completed";
  }

  private async verifyStep(step: Step<unknown>, id: string): Promise<Verdict | "failed"> {
    const verify = step.verify;
    if (!verify) return "go";
    const started = performance.now();
    const handle = createVerifyContext(this, this.step(id));
    let result: unknown;
    try {
      result = await verify.call(step, handle.context);
      checkVerifyResult(id, result);
    } catch (error) {
      handle.close();
      this.assertHealthy();
      return this.stepFailed(id, error, started);
    }
    handle.close();
    const durationMs = elapsedMs(started);
    try {
      this.record({
        type: "STEP_VERIFIED",
        step: id,
        verdict: result.verdict,
        figures: result.figures,
        ...(result.message === undefined ? {} : { message: result.message }),
        durationMs,
      });
    } catch (error) {
      if (error instanceof NotJournalableError) return this.stepFailed(id, error, started);
      throw error;
    }
    return result.verdict;
  }

  private stepFailed(id: string, error: unknown, started: number): "failed" {
    const durationMs = elapsedMs(started);
    this.record({ type: "STEP_FAILED", step: id, error: toErrorRecord(error), durationMs });
    return "failed";
  }

  private stepWaiting(
    id: string,
    scope: EffectScope,
    awaiting: Awaiting,
    started: number,
  ): "waiting" {
    this.record({ type: "STEP_WAITING", step: id, scope, awaiting }, elapsedMs(started));
    return "waiting";
  }

  private async afterFailure(reason: RollbackReason): Promise<void> {
    if (!autoRollbackApplies(this.state)) return;
    await this.rollback(reason);
  }

  // ---- rollback -----------------------------------------------------------------------------

  /** Starts (or continues) rolling back the steps that may have changed the target, in reverse. */
  async rollback(reason: RollbackReason): Promise<void> {
    const started = performance.now();
    if (this.state.mode === "forward") {
      this.record({ type: "ROLLBACK_STARTED", reason, steps: rollbackCandidates(this.state) });
    }
    const rollback = this.state.rollback;
    if (!rollback) throw new Error("rollback state missing after ROLLBACK_STARTED");
    for (const id of rollback.steps) {
      const state = this.step(id);
      if (state.rollback.status === "rolled-back" || state.rollback.status === "skipped") continue;
      // A signal that arrived with the last effect's receipt is delivered before the check.
      if (this.stop) await yieldToEventLoop();
      if (this.stopPending()) return this.recordStop(id);
      const step = this.planStep(id);
      if (!mayHaveChangedTarget(state)) {
        this.record({ type: "STEP_ROLLBACK_SKIPPED", step: id, reason: "nothing-applied" });
        continue;
      }
      if (!step.rollback) {
        const why =
          typeof state.undo === "object" && "irreversible" in state.undo
            ? state.undo.irreversible
            : undefined;
        this.record({
          type: "STEP_ROLLBACK_SKIPPED",
          step: id,
          reason: "irreversible",
          ...(why === undefined ? {} : { why }),
        });
        continue;
      }
      const outcome = await this.rollbackStep(step, id, rollback.reason);
      if (outcome !== "rolled-back") return;
    }
    this.record({ type: "ROLLBACK_COMPLETED" }, elapsedMs(started));
  }

  private async rollbackStep(
    step: Step<unknown>,
    id: string,
    reason: RollbackReason,
  ): Promise<"rolled-back" | "failed" | "waiting"> {
    const attempt = this.step(id).rollback.attempts + 1;
    this.record({ type: "STEP_ROLLBACK_STARTED", step: id, attempt });
    const started = performance.now();
    const port = step.reconcile ?? this.plan.reconcile;
    // Settle what the forward run did first, so the rollback undoes exactly that; without a
    // port the rollback sees the unresolved effects as they are.
    for (const [scope, missingPortOk] of [
      ["run", true],
      ["rollback", false],
    ] as const) {
      const reconciled = await reconcilePendingEffects(this, id, scope, port, missingPortOk);
      if (reconciled.kind === "pending")
        return this.stepWaiting(id, "rollback", reconciled.awaiting, started);
      if (reconciled.kind === "failed") return this.rollbackFailed(id, reconciled.error, started);
    }
    const handle = createRollbackContext(this, this.step(id), reason);
    try {
      await step.rollback?.(handle.context);
    } catch (error) {
      handle.close();
      this.assertHealthy();
      if (isWaitSignal(error)) return this.stepWaiting(id, "rollback", error.awaiting, started);
      return this.rollbackFailed(id, error, started);
    }
    handle.close();
    this.assertHealthy();
    const durationMs = elapsedMs(started);
    this.record({ type: "STEP_ROLLED_BACK", step: id, durationMs });
    return "rolled-back";
  }

  private rollbackFailed(id: string, error: unknown, started: number): "failed" {
    const durationMs = elapsedMs(started);
    this.record({ type: "ROLLBACK_FAILED", step: id, error: toErrorRecord(error), durationMs });
    return "failed";
  }

  // ---- abandon ----------------------------------------------------------------------------

  /**
   * Settles every effect left without outcome (so the journal says what happened), reads what
   * the run leaves on the target and journals RUN_ABANDONED with it.
   */
  async markAbandoned(reason: string): Promise<void> {
    for (const step of this.plan.steps) {
      const id = fullStepId(this.plan.id, step.id);
      for (const scope of ["run", "rollback"] as const) {
        // A port that cannot tell leaves the effect as it is: the observation below says
        // what the target looks like either way.
        await reconcilePendingEffects(this, id, scope, step.reconcile ?? this.plan.reconcile, true);
      }
    }
    const observed = (await this.plan.observeTarget?.(this.state)) ?? {};
    this.record({ type: "RUN_ABANDONED", reason, observed });
  }

  // ---- end ----------------------------------------------------------------------------------

  /** The result of the session so far. */
  result(): RunResult {
    return resultOf(this.runDir, this.state);
  }

  /** Journals the lock's release (when healthy), releases it and closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    try {
      if (this.writer && !this.fatal && !this.lockLost && !this.lock.lost) {
        this.record({ type: "LOCK_RELEASED", targetKey: this.lock.targetKey });
      }
    } catch {
      // Closing must not hide the error that ended the session; a resume will go on anyway.
    } finally {
      this.writer?.close();
      await this.lock.release();
    }
  }

  /** Releases the lock without writing anything (a refused resume). */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    this.writer?.close();
    await this.lock.release();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private writerOptions(targetKey: string) {
    return {
      durability: this.durability,
      now: this.clock,
      guard: () => {
        if (this.lockLost || this.lock.lost) throw new LockLostError(targetKey, this.runId);
      },
    };
  }

  private recordLock(): void {
    const { targetKey, owner, expiresAt, takeover } = this.lock;
    if (takeover) {
      this.record({
        type: "LOCK_TAKEN_OVER",
        targetKey,
        owner,
        expiresAt,
        previousOwner: takeover.previousOwner,
        previousExpiresAt: takeover.previousExpiresAt,
        reason: takeover.reason,
      });
    } else {
      this.record({ type: "LOCK_ACQUIRED", targetKey, owner, expiresAt });
    }
    this.startHeartbeat();
  }

  /** Renews the lock periodically; the first failed renewal marks it lost, once. */
  private startHeartbeat(): void {
    let renewing = false;
    this.heartbeat = setInterval(() => {
      if (renewing) return;
      renewing = true;
      this.lock
        .renew()
        .catch(() => !this.lock.lost) // a transient error: the next beat decides
        .then((held) => {
          renewing = false;
          if (held && !this.lock.lost) return;
          this.lockLost = true;
          this.stopHeartbeat();
          this.emit({ type: "lock.lost", targetKey: this.lock.targetKey });
        });
    }, this.lock.renewEveryMs);
    // The heartbeat must never keep a finished process alive.
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private step(id: string): StepState {
    const state = findStep(this.state, id);
    if (!state) throw new Error(`step ${id} is not in the journal`);
    return state;
  }

  private planStep(id: string): Step<unknown> {
    // A map, built once: a search of the plan for every step rolled back is quadratic.
    this.planSteps ??= new Map(
      this.plan.steps.map((step) => [fullStepId(this.plan.id, step.id), step] as const),
    );
    const step = this.planSteps.get(id);
    if (!step) throw new Error(`step ${id} is not in the plan`);
    return step;
  }

  private sessionMs(): number {
    return elapsedMs(this.sessionStarted);
  }
}

/** The result a run's state stands for. */
export function resultOf(runDir: string, state: RunState): RunResult {
  const status =
    state.status === "completed" ||
    state.status === "dry-run" ||
    state.status === "rolled-back" ||
    state.status === "waiting" ||
    state.status === "abandoned" ||
    state.status === "interrupted"
      ? state.status
      : "failed";
  const result: RunResult = { runId: state.runId, runDir, status, state };
  if (state.status === "waiting" && state.awaiting) {
    const { scope: _scope, ...awaiting } = state.awaiting;
    result.awaiting = awaiting;
  }
  const failure =
    state.failure ?? (state.status === "rolled-back" ? state.rollback?.cause : undefined);
  if (failure) result.failure = failure;
  return result;
}

/**
 * Whether a failed run is rolled back without being asked: autoRollback is on, it is not a dry
 * run, something may need undoing, and the failure is not an unknown outcome. When the engine
 * cannot tell whether an effect happened (AEGIS-E131/E133/E135), undoing the rest blindly could
 * make things worse: a person decides.
 */
export function autoRollbackApplies(state: RunState): boolean {
  if (!state.options.autoRollback || state.dryRun) return false;
  if (state.failure && OUTCOME_UNKNOWN_CODES.includes(state.failure.error.code)) return false;
  // Someone else acted on the target (a cancelled timelock call): undoing on a guess of why
  // could fight them; a person decides.
  if (state.failure?.error.forPerson === true) return false;
  return rollbackCandidates(state).length > 0;
}

const OUTCOME_UNKNOWN_CODES: readonly string[] = [
  ERROR_CODES.EFFECT_UNRECONCILABLE,
  ERROR_CODES.INVALID_RECONCILE_RESULT,
  ERROR_CODES.RECONCILE_FAILED,
];

/**
 * The steps a rollback must visit, last first: every step that changes the target (or has a
 * rollback) and was entered; each is then rolled back, or skipped as irreversible or as having
 * applied nothing.
 */
export function rollbackCandidates(state: RunState): string[] {
  const out: string[] = [];
  for (let index = state.steps.length - 1; index >= 0; index -= 1) {
    const step = state.steps[index] as StepState;
    if (!(step.changesTarget || step.rollsBack)) continue;
    if (step.attempts === 0 || step.status === "skipped") continue;
    out.push(step.id);
  }
  return out;
}

function checkVerifyResult(
  id: string,
  result: unknown,
): asserts result is { verdict: Verdict; figures: Record<string, unknown>; message?: string } {
  const candidate = result as { verdict?: unknown; figures?: unknown; message?: unknown } | null;
  const ok =
    candidate !== null &&
    typeof candidate === "object" &&
    (candidate.verdict === "go" || candidate.verdict === "warn" || candidate.verdict === "stop") &&
    candidate.figures !== null &&
    typeof candidate.figures === "object" &&
    !Array.isArray(candidate.figures) &&
    (candidate.message === undefined || typeof candidate.message === "string");
  if (!ok) {
    let shown: string;
    try {
      shown =
        JSON.stringify(result, (_key, value: unknown) =>
          typeof value === "bigint" ? `${value}n` : value,
        ) ?? "undefined";
    } catch {
      shown = String(result);
    }
    throw new InvalidVerifyResultError(
      id,
      shown.length > 200 ? `${shown.slice(0, 197)}...` : shown,
    );
  }
}

/** Lets pending I/O callbacks (a signal handler among them) run before a stop is checked. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
