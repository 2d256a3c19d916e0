/**
 * A model of what the toolkit's recovery commands do to the reference protocol (README, "When a
 * run is interrupted"): which actions a user can take in a state, what each should print, exit
 * with and send, and the state it leaves. Pure: no chain, no processes. The model-based test
 * (test/e2e/recovery-model-suite.ts) replays random actions drawn from it against a real
 * node and compares.
 */

/** The two implementations the proxy can run. */
export type Contract = "AegisEngineV1" | "AegisEngineV2";

/** The transactions of a forward run, in the order it sends them. */
export type ForwardTx = "pause-tx" | "create-tx" | "upgrade-tx" | "unpause-tx";
/** The transactions of a rollback, in the order it sends them (the pause's undo is unpause-tx). */
export type RollbackTx = "repause-tx" | "downgrade-tx" | "unpause-tx";

const SIGNAL_EVENTS = ["effect.intent", "effect.note", "effect.applied"] as const;
const FORWARD_TXS: readonly ForwardTx[] = ["pause-tx", "create-tx", "upgrade-tx", "unpause-tx"];
const ROLLBACK_TXS: readonly RollbackTx[] = ["repause-tx", "downgrade-tx", "unpause-tx"];

/** A signal the CLI sends itself right after an engine event is journaled (AEGIS_SIGNAL_AT). */
export interface SignalPoint {
  signal: "SIGINT" | "SIGTERM";
  event: (typeof SIGNAL_EVENTS)[number];
  tx: ForwardTx | RollbackTx;
}

/** The environment that makes the CLI signal itself at a point. */
export function signalEnv(point: SignalPoint | undefined): Record<string, string> {
  if (point === undefined) return {};
  const at = `${point.event}:${point.tx}`;
  return { AEGIS_SIGNAL_AT: point.signal === "SIGINT" ? at : `SIGTERM@${at}` };
}

/**
 * Where a run of the model stands: stopped before the upgrade and undone by itself, stopped
 * after its upgrade (paused) or after its unpause (before the monitor), stopped during a
 * requested rollback, completed, rolled back on request, or abandoned.
 */
export type RunStage =
  | "undone-before-upgrade"
  | "upgraded"
  | "unpaused"
  | "rollback-interrupted"
  | "completed"
  | "rolled-back"
  | "abandoned";

/** A run the model knows of; `runId` is learnt from the runs folder once the run exists. */
export interface ModelRun {
  runId: string;
  from: Contract;
  stage: RunStage;
  /** A stopped rollback's transactions still to send, in order. */
  rollbackLeft?: RollbackTx[];
}

/** What the model believes of the proxy and the runs. */
export interface ModelState {
  live: Contract;
  /** Initializable's `_initialized`: 2 once a reinitializer ran, and it stays 2 after a rollback. */
  initialized: 1 | 2;
  paused: boolean;
  /** The record lists a V2 implementation (an upgrade to it landed once): runs reuse it. */
  v2Known: boolean;
  /** Oldest first, as `aegis:status` lists them. */
  runs: ModelRun[];
}

/** The seeded protocol before any run. */
export function initialModelState(): ModelState {
  return { live: "AegisEngineV1", initialized: 1, paused: false, v2Known: false, runs: [] };
}

/** One user action; `run` is an index into the model's runs. */
export type ModelAction =
  | { kind: "start"; callNone: boolean; signal?: SignalPoint }
  | { kind: "resume"; run: number; signal?: SignalPoint }
  | { kind: "rollback"; run: number; signal?: SignalPoint }
  | { kind: "abandon"; run: number }
  | { kind: "status" };

/** What an action should do, as a person and CI see it. */
export interface Prediction {
  exitCode: 0 | 1 | 3;
  /** The code on the first line of stderr when the command refuses. */
  refusal?: string;
  /** Transactions the signer sends. */
  txs: number;
  /** Patterns the command's standard output must match. */
  says: RegExp[];
  /** The run a start creates (appended to the runs), if it creates one. */
  creates?: ModelRun;
}

/** The expected status of a run in `aegis:status --json`, and whether it is unfinished. */
export function expectedListing(run: ModelRun): { status: string; unfinished: boolean } {
  switch (run.stage) {
    case "undone-before-upgrade":
    case "rolled-back":
      return { status: "rolled-back", unfinished: false };
    case "upgraded":
    case "unpaused":
    case "rollback-interrupted":
      return { status: "interrupted", unfinished: true };
    case "completed":
      return { status: "completed", unfinished: false };
    case "abandoned":
      return { status: "abandoned", unfinished: false };
  }
}

/** The index of the run that is unfinished, if any (the model allows at most one). */
export function unfinishedRun(state: ModelState): number | undefined {
  const index = state.runs.findIndex((run) => expectedListing(run).unfinished);
  return index === -1 ? undefined : index;
}

const refused = (code: string): Prediction => ({ exitCode: 1, refusal: code, txs: 0, says: [] });
const interrupted = (signal: SignalPoint) => new RegExp(`Interrupted \\(${signal.signal}\\)`);

/**
 * Applies an action to a copy of the state: what it should do, and the state after it. A run a
 * start creates has an empty runId until the caller learns it.
 */
export function step(
  before: ModelState,
  action: ModelAction,
): { prediction: Prediction; after: ModelState } {
  const after: ModelState = {
    ...before,
    runs: before.runs.map((run) => ({
      ...run,
      ...(run.rollbackLeft === undefined ? {} : { rollbackLeft: [...run.rollbackLeft] }),
    })),
  };
  const prediction = predict(after, action);
  if (prediction.creates) after.runs.push(prediction.creates);
  return { prediction, after };
}

/** Mutates `state` into the state after `action` and returns what it should do. */
function predict(state: ModelState, action: ModelAction): Prediction {
  switch (action.kind) {
    case "status":
      return { exitCode: 0, txs: 0, says: [] };
    case "start":
      return start(state, action.callNone, action.signal);
    case "resume":
      return resume(state, state.runs[action.run]!, action.signal);
    case "rollback":
      return rollback(state, state.runs[action.run]!, action.signal);
    case "abandon":
      return abandon(state, state.runs[action.run]!);
  }
}

function start(state: ModelState, callNone: boolean, signal?: SignalPoint): Prediction {
  if (unfinishedRun(state) !== undefined) return refused("AEGIS-E333");
  // The reinitializer already ran (a completed run, or one rolled back): it would revert.
  if (!callNone && state.initialized === 2) return refused("AEGIS-E319");
  const sends: ForwardTx[] = [];
  // A pause found in place is an abandoned run's (nobody else pauses here): taken over, no tx.
  if (!state.paused) sends.push("pause-tx");
  if (!state.v2Known) sends.push("create-tx");
  sends.push("upgrade-tx", "unpause-tx");
  const fired =
    signal !== undefined && (sends as string[]).includes(signal.tx) ? signal : undefined;
  const run: ModelRun = { runId: "", from: state.live, stage: "completed" };
  if (fired !== undefined && (fired.tx === "pause-tx" || fired.tx === "create-tx")) {
    // Stopped before the upgrade was entered: the run lifts its pause (one more transaction).
    run.stage = "undone-before-upgrade";
    state.paused = false;
    return {
      exitCode: 1,
      txs: sends.indexOf(fired.tx) + 2,
      says: [interrupted(fired), /before the upgrade was sent/, /The protocol is not paused/],
      creates: run,
    };
  }
  state.live = "AegisEngineV2";
  state.v2Known = true;
  if (!callNone) state.initialized = 2;
  if (fired?.tx === "upgrade-tx") {
    run.stage = "upgraded";
    state.paused = true;
    return {
      exitCode: 3,
      txs: sends.indexOf("upgrade-tx") + 1,
      says: [interrupted(fired), /before invariants/, /PAUSED by this run/, /--resume /],
      creates: run,
    };
  }
  state.paused = false;
  if (fired?.tx === "unpause-tx") {
    run.stage = "unpaused";
    return {
      exitCode: 3,
      txs: sends.length,
      says: [interrupted(fired), /before monitor/, /The protocol is not paused/, /--resume /],
      creates: run,
    };
  }
  return { exitCode: 0, txs: sends.length, says: [/Upgrade complete\./], creates: run };
}

function resume(state: ModelState, run: ModelRun, signal?: SignalPoint): Prediction {
  switch (run.stage) {
    case "abandoned":
      return refused("AEGIS-E155");
    // A finished run is reported as it is.
    case "completed":
      return { exitCode: 0, txs: 0, says: [/Upgrade complete\./] };
    case "rolled-back":
      return { exitCode: 1, txs: 0, says: [/Rolled back/] };
    case "undone-before-upgrade":
      return { exitCode: 1, txs: 0, says: [/before the upgrade was sent/] };
    case "rollback-interrupted": {
      // A resume goes on with the rollback it finds under way; the run ends rolled back (exit 1).
      const done = rollForward(state, run, signal);
      return done.exitCode === 3 ? done : { ...done, exitCode: 1, says: [/Rolled back/] };
    }
    case "unpaused":
      run.stage = "completed";
      return { exitCode: 0, txs: 0, says: [/Upgrade complete\./] };
    case "upgraded":
      state.paused = false;
      if (signal?.tx === "unpause-tx") {
        run.stage = "unpaused";
        return {
          exitCode: 3,
          txs: 1,
          says: [interrupted(signal), /before monitor/, /The protocol is not paused/],
        };
      }
      run.stage = "completed";
      return { exitCode: 0, txs: 1, says: [/Upgrade complete\./] };
  }
}

function rollback(state: ModelState, run: ModelRun, signal?: SignalPoint): Prediction {
  if (
    run.stage === "rolled-back" ||
    run.stage === "undone-before-upgrade" ||
    run.stage === "abandoned"
  ) {
    return refused("AEGIS-E153");
  }
  if (run.stage !== "rollback-interrupted") {
    // Undone last first: pause again if the run unpaused, upgrade back if it moved the proxy,
    // then unpause (its own pause, or the abandoned one it took over).
    const sends: RollbackTx[] = [];
    if (run.stage === "completed" || run.stage === "unpaused") sends.push("repause-tx");
    if (run.from !== state.live) sends.push("downgrade-tx");
    sends.push("unpause-tx");
    run.rollbackLeft = sends;
  }
  return rollForward(state, run, signal);
}

/** Sends what is left of a run's rollback, stopping after a signal's transaction if one is left. */
function rollForward(state: ModelState, run: ModelRun, signal?: SignalPoint): Prediction {
  const left = run.rollbackLeft ?? [];
  const at = signal === undefined ? -1 : left.indexOf(signal.tx as RollbackTx);
  // A stop is honoured between rollback steps: after the last one there is nothing left to stop.
  if (signal !== undefined && at !== -1 && at < left.length - 1) {
    const sent = left.splice(0, at + 1);
    if (sent.includes("downgrade-tx")) state.live = run.from;
    state.paused = true;
    run.stage = "rollback-interrupted";
    return {
      exitCode: 3,
      txs: sent.length,
      says: [interrupted(signal), /during its rollback/, /PAUSED by this run/],
    };
  }
  delete run.rollbackLeft;
  run.stage = "rolled-back";
  state.live = run.from;
  state.paused = false;
  return { exitCode: 0, txs: left.length, says: [/Rolled back\./, /The protocol is not paused/] };
}

function abandon(state: ModelState, run: ModelRun): Prediction {
  if (!expectedListing(run).unfinished) return refused("AEGIS-E156");
  run.stage = "abandoned";
  return {
    exitCode: 0,
    txs: 0,
    says: [/is abandoned/, state.paused ? /PAUSED by this run/ : /The protocol is not paused/],
  };
}

/** An action drawn by `nextAction`, and whether a user who read the status would take it. */
export interface DrawnAction {
  action: ModelAction;
  /** A mistake the toolkit must refuse or answer without sending anything. */
  wrong: boolean;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/**
 * A signal point (or none) at a transaction of `txs`, drawn so that most draws stop something.
 * A rollback is signalled only before a transaction's receipt: a signal raised right after a
 * rollback transaction is journaled reaches the task's handler only once the next rollback step
 * has begun (or, after the last one, once the handler is gone, and the process dies of it), a
 * known difference the model does not follow.
 */
function drawSignal(
  random: () => number,
  txs: readonly (ForwardTx | RollbackTx)[],
): SignalPoint | undefined {
  if (random() < 0.25) return undefined;
  const rollback = txs === ROLLBACK_TXS;
  return {
    signal: random() < 0.3 ? "SIGTERM" : "SIGINT",
    event: pick(random, rollback ? SIGNAL_EVENTS.slice(0, 2) : SIGNAL_EVENTS),
    tx: pick(random, txs),
  };
}

/**
 * Draws the next action: usually one that makes sense to a user in this state (what
 * `aegis:status` suggests for an unfinished run, a new run when there is something to upgrade,
 * a rollback of the latest completed run), sometimes (about one in four) a mistake.
 */
export function nextAction(state: ModelState, random: () => number): DrawnAction {
  const sensible: ModelAction[] = [];
  const wrong: ModelAction[] = [];
  const unfinished = unfinishedRun(state);
  const latest = state.runs.length - 1;
  const latestStage = state.runs[latest]?.stage;
  const callNone = state.initialized === 2;
  if (unfinished !== undefined) {
    sensible.push(
      { kind: "resume", run: unfinished },
      {
        kind: "resume",
        run: unfinished,
        ...withSignal(
          random,
          state.runs[unfinished]!.stage === "rollback-interrupted" ? ROLLBACK_TXS : FORWARD_TXS,
        ),
      },
      { kind: "rollback", run: unfinished, ...withSignal(random, ROLLBACK_TXS) },
      { kind: "abandon", run: unfinished },
    );
    wrong.push({ kind: "start", callNone, ...withSignal(random) });
  } else {
    // With V2 live there is nothing to upgrade, unless an abandoned run left its pause: a new
    // run (without the reinitializer, which already ran) takes it over and lifts it.
    if (state.live === "AegisEngineV1" || state.paused) {
      sensible.push({ kind: "start", callNone, ...withSignal(random) });
      sensible.push({ kind: "start", callNone, ...withSignal(random) });
    }
    if (latestStage === "completed") {
      sensible.push({ kind: "rollback", run: latest, ...withSignal(random, ROLLBACK_TXS) });
    }
    if (state.initialized === 2) wrong.push({ kind: "start", callNone: false });
  }
  if (latestStage === "completed") {
    wrong.push({ kind: "abandon", run: latest }, { kind: "resume", run: latest });
  }
  if (latestStage === "rolled-back" || latestStage === "undone-before-upgrade") {
    wrong.push(
      { kind: "rollback", run: latest },
      { kind: "resume", run: latest },
      { kind: "abandon", run: latest },
    );
  }
  if (latestStage === "abandoned") {
    wrong.push({ kind: "resume", run: latest }, { kind: "rollback", run: latest });
  }
  if (random() < 0.12) return { action: { kind: "status" }, wrong: false };
  if (wrong.length > 0 && (sensible.length === 0 || random() < 0.25)) {
    return { action: pick(random, wrong), wrong: true };
  }
  if (sensible.length === 0) return { action: { kind: "status" }, wrong: false };
  return { action: pick(random, sensible), wrong: false };
}

function withSignal(
  random: () => number,
  txs: readonly (ForwardTx | RollbackTx)[] = FORWARD_TXS,
): { signal?: SignalPoint } {
  const signal = drawSignal(random, txs);
  return signal === undefined ? {} : { signal };
}

/** The action as a person would read it in a failure message. */
export function describeAction(action: ModelAction, state: ModelState): string {
  const signal = (point?: SignalPoint) =>
    point === undefined ? "" : ` [${signalEnv(point).AEGIS_SIGNAL_AT}]`;
  const runOf = (index: number) => {
    const run = state.runs[index]!;
    return `run #${index + 1} (${run.stage})`;
  };
  switch (action.kind) {
    case "status":
      return "status --json";
    case "start":
      return `start${action.callNone ? " --call none" : ""}${signal(action.signal)}`;
    case "resume":
      return `resume ${runOf(action.run)}${signal(action.signal)}`;
    case "rollback":
      return `rollback ${runOf(action.run)}${signal(action.signal)}`;
    case "abandon":
      return `abandon ${runOf(action.run)}`;
  }
}
