import fs from "node:fs";
import { expect } from "chai";
import { createInProcessSplit } from "../../src/api/in-process-split";
import {
  journaledWeight,
  readRolloutInput,
  resumeRollout,
  startRollout,
} from "../../src/api/rollout-run";
import { readJournal } from "../../src/core/journal-reader";
import { journalFileOf } from "../../src/core/run-paths";
import { writeRunReports } from "../../src/report/write-run-reports";
import { createOldHandler } from "../../migrations/api/service";
import { rolloutFixture } from "./helpers/rollout-fixture";

type Fixture = Awaited<ReturnType<typeof rolloutFixture>>;

describe("api: staged rollout on the engine", () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it("moves traffic 10% -> 50% -> 100% through the observation windows and completes", async () => {
    fixture = await rolloutFixture();
    const result = await startRollout(fixture.input, {
      ...fixture.deps(true),
      writeReports: writeRunReports,
    });
    expect(result.status).to.equal("completed");
    expect(await fixture.split.port.currentWeight()).to.equal(100);
    expect(fixture.stagesSeen).to.deep.equal([1, 2, 3]);
    // Old clients were answered all along, by v1 and then by v2 through the layer.
    expect(fixture.answers.every((status) => status === 200)).to.equal(true);
    expect(new Set(fixture.names)).to.deep.equal(new Set(["Ada Lovelace", "Alan Turing"]));
    const stage3 = result.state.steps.find((step) => step.id.endsWith("#stage-3"));
    const figures = stage3?.verification?.figures as Record<string, unknown>;
    expect(figures).to.include({ percent: 100, errorRate: 0, availability: 1 });
    expect(figures.requests).to.be.at.least(2);
    expect(figures).to.have.property("p99Ms").that.is.a("number");
    const report = fs.readFileSync(result.reports!.markdown, "utf8");
    expect(report).to.include("stage-2");
  });

  it("rolls a new handler that starts failing back at that stage, journaled and reported", async () => {
    fixture = await rolloutFixture({ failFromStage: 2 });
    const result = await startRollout(fixture.input, {
      ...fixture.deps(true),
      writeReports: writeRunReports,
    });
    expect(result.status).to.equal("rolled-back");
    expect(result.failure?.step).to.match(/#stage-2$/);
    expect(await fixture.split.port.currentWeight()).to.equal(0);
    const stage2 = result.state.steps.find((step) => step.id.endsWith("#stage-2"));
    expect(stage2?.verification?.verdict).to.equal("stop");
    expect(stage2?.verification?.message)
      .to.include("error_rate > 5%")
      .and.include("stage 2 (50%)");
    const stage3 = result.state.steps.find((step) => step.id.endsWith("#stage-3"));
    expect(stage3?.status).to.equal("pending");
    const lines = readJournal(journalFileOf(result.runDir)).lines as Array<{
      type: string;
      key?: string;
      outcome?: { percent?: number };
    }>;
    const restored = lines
      .filter((line) => line.type === "EFFECT_OUTCOME" && line.key === "restore-weight")
      .map((line) => line.outcome?.percent);
    expect(restored).to.deep.equal([10, 0]);
    expect(fs.readFileSync(result.reports!.markdown, "utf8")).to.include("error_rate > 5%");
    // After the rollback every old client is answered by v1 again.
    const before = fixture.answers.length;
    await fixture.sendBlock(20);
    expect(fixture.answers.slice(before).every((status) => status === 200)).to.equal(true);
  });

  it("waits at a stage without a wait policy (exit 3), then --resume goes on after a restart", async () => {
    fixture = await rolloutFixture();
    const first = await startRollout(fixture.input, fixture.deps(false));
    expect(first.status).to.equal("waiting");
    expect(first.awaiting?.step).to.match(/#stage-1$/);
    expect(journaledWeight(fixture.baseDir, first.runId)).to.equal(10);
    // A new process: the split is rebuilt at the weight the journal says the run left.
    const input = readRolloutInput(fixture.baseDir, first.runId);
    expect(input).to.deep.equal(fixture.input);
    const restarted = createInProcessSplit(
      { old: createOldHandler(), new: createOldHandler() },
      journaledWeight(fixture.baseDir, first.runId),
    );
    expect(await restarted.port.currentWeight()).to.equal(10);
    const resumed = await resumeRollout(first.runId, input, fixture.deps(true));
    expect(resumed.status).to.equal("completed");
    expect(await fixture.split.port.currentWeight()).to.equal(100);
  });
});
