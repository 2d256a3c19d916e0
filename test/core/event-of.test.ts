import * as fs from "node:fs";

import { expect } from "chai";

import type { EngineEvent, EngineEventBody } from "../../src/core/engine-events";
import { eventsOf } from "../../src/core/event-of";
import { readJournal } from "../../src/core/journal-reader";
import type { Plan } from "../../src/core/plan-types";
import { runPlan } from "../../src/core/run-plan";
import { journalFileOf } from "../../src/core/run-paths";
import { foldRunState } from "../../src/core/run-state-reducer";
import { wipeStep } from "../../src/core/wipe-step";
import { formatEventJsonLine } from "../../src/report/event-json-lines";
import { runEventScenario } from "./fixtures/event-scenario";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

/** Facts without a journal line (UnjournaledEventBody): emitted on their own. */
const UNJOURNALED = new Set([
  "step.skipped:already-done",
  "effect.replayed",
  "journal.redacted",
  "lock.lost",
]);

function kindOf(event: EngineEventBody): string {
  return event.type === "step.skipped" ? `${event.type}:${event.reason}` : event.type;
}

/** A body as `--json` prints it, without its envelope; what varies from run to run masked. */
function shown(event: EngineEventBody | EngineEvent): string {
  const {
    runId: _runId,
    at: _at,
    ...body
  } = JSON.parse(formatEventJsonLine({ runId: "r", at: "t", ...event } as EngineEvent)) as Record<
    string,
    unknown
  >;
  return JSON.stringify(body, (key, value: unknown) => {
    if (key === "durationMs") return "ms";
    if (key === "pid" || key === "host") return key;
    if (key === "runDir") return "runDir";
    return value;
  });
}

/** One second later at every call, so that no two timestamps are alike. */
function tickingClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2026, 0, 1) + 1000 * tick++);
}

/**
 * What `--json` printed for the scenario before events were derived from journal lines, taken
 * from that version of the engine: tasks/render-run.ts and src/report/event-json-lines.ts read
 * these names and payloads, so they must not change.
 */
const EVENTS_BEFORE = [
  '{"type":"journal.redacted","paths":["hashInput.apiKey"]}',
  '{"type":"run.started","planId":"events","planHash":"391e6b029ecc1382868fa0cb23efbb9ecb545b15e00e71ea934520704e0154e6","dryRun":false,"runDir":"runDir"}',
  '{"type":"run.preview","preview":{"planId":"events","planHash":"391e6b029ecc1382868fa0cb23efbb9ecb545b15e00e71ea934520704e0154e6","steps":[{"id":"events#read","shortId":"read","phase":"assess","changesTarget":false,"undo":"reversible","verifies":true,"rollsBack":false},{"id":"events#write","shortId":"write","phase":"execute","changesTarget":true,"undo":"reversible","verifies":true,"rollsBack":true,"description":"writes twice"},{"id":"events#keep","shortId":"keep","phase":"stabilize","changesTarget":true,"undo":{"irreversible":"a record is kept"},"verifies":false,"rollsBack":false}],"notFullyReversible":[{"id":"events#keep","undo":"irreversible","why":"a record is kept"}],"title":"events from lines"}}',
  '{"type":"lock.acquired","targetKey":"events","owner":{"pid":"pid","host":"host","runId":"20260101-000000-events"}}',
  '{"type":"step.started","step":"events#read","attempt":1}',
  '{"type":"step.completed","step":"events#read","durationMs":"ms"}',
  '{"type":"step.verified","step":"events#read","verdict":"warn","figures":{"supply":{"before":{"$bigint":"10"},"after":{"$bigint":"10"}}},"durationMs":"ms"}',
  '{"type":"step.started","step":"events#write","attempt":1}',
  '{"type":"journal.redacted","step":"events#write","paths":["intent.password"]}',
  '{"type":"effect.intent","step":"events#write","scope":"run","key":"first"}',
  '{"type":"effect.note","step":"events#write","scope":"run","key":"first"}',
  '{"type":"effect.applied","step":"events#write","scope":"run","key":"first","durationMs":"ms"}',
  '{"type":"artifact.written","step":"events#write","name":"notes.txt","path":"artifacts/write/notes.txt","bytes":7}',
  '{"type":"effect.intent","step":"events#write","scope":"run","key":"second"}',
  '{"type":"effect.failed","step":"events#write","scope":"run","key":"second","applied":"unknown","error":{"code":"AEGIS-E100","message":"step threw Error: connection reset","hint":"fix the cause shown, then resume the run to retry the step (or roll it back)","name":"StepThrewError"}}',
  '{"type":"step.failed","step":"events#write","error":{"code":"AEGIS-E100","message":"step threw Error: connection reset","hint":"fix the cause shown, then resume the run to retry the step (or roll it back)","name":"StepThrewError"},"durationMs":"ms"}',
  '{"type":"run.failed","step":"events#write","error":{"code":"AEGIS-E100","message":"step threw Error: connection reset","hint":"fix the cause shown, then resume the run to retry the step (or roll it back)","name":"StepThrewError"},"durationMs":"ms"}',
  '{"type":"lock.released","targetKey":"events"}',
  '{"type":"run.resumed","intent":"retry","status":"running"}',
  '{"type":"lock.acquired","targetKey":"events","owner":{"pid":"pid","host":"host","runId":"20260101-000000-events"}}',
  '{"type":"step.skipped","step":"events#read","reason":"already-done"}',
  '{"type":"step.started","step":"events#write","attempt":2}',
  '{"type":"effect.reconciled","step":"events#write","scope":"run","key":"second","result":"applied"}',
  '{"type":"effect.replayed","step":"events#write","scope":"run","key":"first"}',
  '{"type":"artifact.written","step":"events#write","name":"notes.txt","path":"artifacts/write/notes.txt","bytes":7}',
  '{"type":"effect.replayed","step":"events#write","scope":"run","key":"second"}',
  '{"type":"step.completed","step":"events#write","durationMs":"ms"}',
  '{"type":"step.verified","step":"events#write","verdict":"stop","figures":{"second":2},"message":"second looks wrong","durationMs":"ms"}',
  '{"type":"run.failed","step":"events#write","error":{"code":"AEGIS-E151","message":"step events#write verified stop: second looks wrong","hint":"inspect the figures in the report; a resume does not lift a stop verdict: roll the run back (if that did not happen already), or abandon it if the target is acceptable as it is","name":"VerdictStopError"},"durationMs":"ms"}',
  '{"type":"lock.released","targetKey":"events"}',
  '{"type":"run.resumed","intent":"rollback","status":"running"}',
  '{"type":"lock.acquired","targetKey":"events","owner":{"pid":"pid","host":"host","runId":"20260101-000000-events"}}',
  '{"type":"rollback.started","reason":"requested","steps":["events#write"],"undo":["events#write"],"irreversible":[]}',
  '{"type":"rollback.step-started","step":"events#write","attempt":1}',
  '{"type":"effect.intent","step":"events#write","scope":"rollback","key":"undo"}',
  '{"type":"effect.failed","step":"events#write","scope":"rollback","key":"undo","applied":"no","error":{"code":"AEGIS-E134","message":"effect not applied: the target refused the undo","hint":"fix the cause, then resume the run to retry the step","name":"EffectNotAppliedError"}}',
  '{"type":"rollback.failed","step":"events#write","error":{"code":"AEGIS-E134","message":"effect not applied: the target refused the undo","hint":"fix the cause, then resume the run to retry the step","name":"EffectNotAppliedError"},"durationMs":"ms"}',
  '{"type":"lock.released","targetKey":"events"}',
];

describe("events come from the journal", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("emits each journaled event after its line is on disk, as eventsOf makes it of that line, at the line's time", async () => {
    const seen: string[] = [];
    const problems: string[] = [];
    await runEventScenario(
      dir,
      (_session, resumedRunDir) => {
        let runDir = resumedRunDir;
        return (event) => {
          seen.push(kindOf(event));
          if (event.type === "run.started") runDir = event.runDir;
          if (UNJOURNALED.has(kindOf(event))) return;
          const { lines } = readJournal(journalFileOf(runDir as string));
          const last = lines[lines.length - 1];
          const state = foldRunState(lines);
          if (last === undefined || state === undefined) {
            problems.push(`${event.type} came before its line`);
            return;
          }
          const context = { runDir: runDir as string, state, sessionMs: () => 0 };
          const derived = eventsOf(last, context).map(shown);
          if (!derived.includes(shown(event)) || event.at !== last.at) {
            problems.push(
              `${shown(event)} at ${event.at} is not an event of ${JSON.stringify(last)}`,
            );
          }
        };
      },
      tickingClock(),
    );
    expect(problems).to.deep.equal([]);
    // Every line's kind of event but a few was seen, and each fact without a line too.
    expect(seen).to.include.members([
      "run.started",
      "run.preview",
      "run.resumed",
      "run.failed",
      "lock.acquired",
      "lock.released",
      "step.started",
      "step.completed",
      "step.verified",
      "step.failed",
      "effect.intent",
      "effect.note",
      "effect.applied",
      "effect.failed",
      "effect.reconciled",
      "artifact.written",
      "rollback.started",
      "rollback.step-started",
      "rollback.failed",
      "journal.redacted",
      "effect.replayed",
      "step.skipped:already-done",
    ]);
  });

  it("keeps the names and payloads that the terminal and --json show", async () => {
    const printed: string[] = [];
    const results = await runEventScenario(
      dir,
      () => (event) => printed.push(shown(event)),
      tickingClock(),
    );
    expect(results.map((result) => result.status).join(",")).to.equal("failed,failed,failed");
    expect(printed).to.deep.equal(EVENTS_BEFORE);
  });

  it("a wipe emits the events of every line it writes, a repaired torn tail included", async () => {
    const plan: Plan = {
      id: "wipe",
      hashInput: {},
      steps: [
        {
          id: "fails",
          phase: "execute",
          changesTarget: true,
          undo: "reversible",
          run: () => {
            throw new Error("no");
          },
          rollback: () => undefined,
        },
      ],
    };
    const failed = await runPlan({ plan, baseDir: dir, autoRollback: false });
    fs.appendFileSync(journalFileOf(failed.runDir), '{"seq":99,"at":"2026-');
    const events: EngineEvent[] = [];
    await wipeStep({
      baseDir: dir,
      runId: failed.runId,
      step: "fails",
      onEvent: (event) => events.push(event),
    });
    expect(events.map((event) => event.type)).to.deep.equal([
      "journal.tail-repaired",
      "step.wiped",
    ]);
    const { lines } = readJournal(journalFileOf(failed.runDir));
    expect(events.map((event) => event.at)).to.deep.equal(lines.slice(-2).map((line) => line.at));
  });
});
