import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import type { JournalMessage } from "../../src/core/journal-messages";
import { readJournal, truncateTornTail } from "../../src/core/journal-reader";
import { JournalWriter } from "../../src/core/journal-writer";
import { listRuns } from "../../src/core/list-runs";
import { readRunState } from "../../src/core/read-run-state";
import { resumeRun } from "../../src/core/resume-run";
import { runPlan } from "../../src/core/run-plan";
import type { Plan } from "../../src/core/plan-types";
import { journalFileOf } from "../../src/core/run-paths";
import { catchAsync, catchError } from "./helpers/catch-error";
import { declaration, runStarted } from "./helpers/journal-lines";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

const MESSAGES: JournalMessage[] = [
  runStarted([declaration("a")]),
  { type: "STEP_STARTED", step: "p#a", attempt: 1 },
  {
    type: "EFFECT_INTENT",
    step: "p#a",
    scope: "run",
    key: "tx",
    intent: { value: 10n ** 24n, data: new Uint8Array([0x84, 0x56]) },
  },
  {
    type: "EFFECT_OUTCOME",
    step: "p#a",
    scope: "run",
    key: "tx",
    outcome: { gasUsed: 21000n },
    durationMs: 2,
  },
];

function writeJournal(file: string, messages = MESSAGES): void {
  const writer = JournalWriter.create(file, { durability: "fsync" });
  for (const message of messages) writer.append(message);
  writer.close();
}

/** A two-step plan whose steps do nothing, for tests that only care about the journal. */
function noopPlan(): Plan {
  return {
    id: "noop",
    hashInput: {},
    steps: [
      { id: "one", phase: "assess", changesTarget: false, run: () => 1 },
      { id: "two", phase: "assess", changesTarget: false, run: () => 2 },
    ],
  };
}

describe("journal files", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("stamps each line with its clock's ISO time, milliseconds included", () => {
    const times = [
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:00:00.007Z",
      "2026-01-01T00:00:00.042Z",
      "2026-01-01T00:00:00.999Z",
      "2026-01-01T00:00:01.000Z",
      "1969-12-31T23:59:59.999Z",
      "1969-12-31T23:59:59.001Z",
      "+275760-09-13T00:00:00.000Z",
    ].map((iso) => new Date(iso));
    let next = 0;
    const file = path.join(dir, "journal.jsonl");
    const writer = JournalWriter.create(file, {
      durability: "none",
      now: () => times[next++] ?? new Date(Number.NaN),
    });
    for (const time of times) {
      expect(writer.append({ type: "RUN_COMPLETED" }).line.at).to.equal(time.toISOString());
    }
    expect(catchError(() => writer.prepare({ type: "RUN_COMPLETED" }))).to.be.instanceOf(
      RangeError,
    );
    writer.close();
  });

  it("writes one newline-terminated line per message, numbered from 1, and reads them back with bigints and bytes", () => {
    const file = path.join(dir, "journal.jsonl");
    writeJournal(file);
    const text = fs.readFileSync(file, "utf8");
    expect(text.endsWith("\n")).to.equal(true);
    expect(text.split("\n")).to.have.length(MESSAGES.length + 1);
    const { lines, tornTail } = readJournal(file);
    expect(tornTail).to.equal(undefined);
    expect(lines.map((line) => line.seq)).to.deep.equal([1, 2, 3, 4]);
    const intent = lines[2] as Extract<JournalMessage, { type: "EFFECT_INTENT" }>;
    expect((intent.intent as { value: bigint }).value).to.equal(10n ** 24n);
    expect([...(intent.intent as { data: Uint8Array }).data]).to.deep.equal([0x84, 0x56]);
    expect(lines.every((line) => !Number.isNaN(Date.parse(line.at)))).to.equal(true);
  });

  it("refuses to create a journal that already exists", () => {
    const file = path.join(dir, "journal.jsonl");
    writeJournal(file);
    expect(catchError(() => JournalWriter.create(file, { durability: "fsync" }))).to.have.property(
      "code",
      "EEXIST",
    );
  });

  it("detects a torn last line without a newline, and truncation removes exactly it", () => {
    const file = path.join(dir, "journal.jsonl");
    writeJournal(file);
    const whole = fs.readFileSync(file);
    fs.appendFileSync(file, '{"seq":5,"at":"2026-01-01T00:00:00.000Z","type":"STEP_COMP');
    const { lines, tornTail } = readJournal(file);
    expect(lines).to.have.length(4);
    expect(tornTail).to.deep.equal({ line: 5, bytes: 58, validLength: whole.length });
    truncateTornTail(file, tornTail as never);
    expect(fs.readFileSync(file).equals(whole)).to.equal(true);
  });

  it("treats an invalid final line that has a newline (zeros after a power loss) as torn", () => {
    const file = path.join(dir, "journal.jsonl");
    writeJournal(file);
    fs.appendFileSync(file, Buffer.concat([Buffer.alloc(12), Buffer.from("\n")]));
    const { lines, tornTail } = readJournal(file);
    expect(lines).to.have.length(4);
    expect(tornTail?.line).to.equal(5);
  });

  it("stops at an invalid line in the middle with AEGIS-E110 naming the line", () => {
    const file = path.join(dir, "journal.jsonl");
    writeJournal(file);
    const rows = fs.readFileSync(file, "utf8").split("\n");
    rows[2] = rows[2]?.slice(0, 20) ?? "";
    fs.writeFileSync(file, rows.join("\n"));
    const error = catchError(() => readJournal(file)) as Error & { code?: string; line?: number };
    expect(error.code).to.equal("AEGIS-E110");
    expect(error.line).to.equal(3);
    expect(error.message).to.contain("line 3");
  });

  it("stops at a sequence gap or an unknown message type (AEGIS-E110)", () => {
    const file = path.join(dir, "journal.jsonl");
    writeJournal(file);
    const rows = fs.readFileSync(file, "utf8").split("\n");
    const gap = [...rows];
    gap.splice(1, 1);
    fs.writeFileSync(file, gap.join("\n"));
    expect(catchError(() => readJournal(file))).to.include({ code: "AEGIS-E110", line: 2 });
    const unknown = [...rows];
    unknown[1] = (unknown[1] as string).replace("STEP_STARTED", "STEP_DANCED");
    fs.writeFileSync(file, unknown.join("\n"));
    expect(catchError(() => readJournal(file))).to.include({ code: "AEGIS-E110", line: 2 });
  });

  it("reports a run whose journal is corrupt as unreadable in listings, and refuses to resume it", async () => {
    const result = await runPlan({ plan: noopPlan(), baseDir: dir });
    const file = journalFileOf(result.runDir);
    const rows = fs.readFileSync(file, "utf8").split("\n");
    rows[1] = "{not json";
    fs.writeFileSync(file, rows.join("\n"));
    const [listed] = listRuns(dir);
    expect(listed).to.deep.include({ readable: false });
    expect((listed as { error: { code: string } }).error.code).to.equal("AEGIS-E110");
    const error = await catchAsync(
      resumeRun({ plan: noopPlan(), baseDir: dir, runId: result.runId }),
    );
    expect(error).to.include({ code: "AEGIS-E110", line: 2 });
  });

  it("repairs a torn tail when the run resumes, journals the repair and emits an event", async () => {
    const plan = noopPlan();
    let calls = 0;
    const waitingPlan: Plan = {
      ...plan,
      steps: [
        plan.steps[0] as Plan["steps"][number],
        {
          id: "two",
          phase: "assess",
          changesTarget: false,
          run: (ctx) => {
            calls += 1;
            if (calls === 1) ctx.wait({ reason: "later" });
            return 2;
          },
        },
      ],
    };
    const first = await runPlan({ plan: waitingPlan, baseDir: dir });
    expect(first.status).to.equal("waiting");
    const file = journalFileOf(first.runDir);
    fs.appendFileSync(file, '{"seq":99,"at":"2026-');
    // Reading the state does not change the file: only a session of the run repairs it.
    const snapshot = readRunState(first.runDir);
    expect(snapshot.tornTail?.line).to.equal(snapshot.lines + 1);
    expect(fs.readFileSync(file, "utf8").endsWith('"at":"2026-')).to.equal(true);

    const events: string[] = [];
    const resumed = await resumeRun({
      plan: waitingPlan,
      baseDir: dir,
      runId: first.runId,
      onEvent: (event) => events.push(event.type),
    });
    expect(resumed.status).to.equal("completed");
    expect(events).to.include("journal.tail-repaired");
    const { lines, tornTail } = readJournal(file);
    expect(tornTail).to.equal(undefined);
    const repair = lines.find((line) => line.type === "JOURNAL_TAIL_REPAIRED");
    expect(repair).to.include({ line: snapshot.lines + 1, bytes: 21 });
    expect(resumed.state.journalRepairs).to.have.length(1);
  });
});
