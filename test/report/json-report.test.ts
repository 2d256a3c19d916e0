import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";
import { z } from "zod";

import { decodeJournalValue, type EncodedJson } from "../../src/core/json-codec";
import { readRunState } from "../../src/core/read-run-state";
import { journalFileOf } from "../../src/core/run-paths";
import { renderJsonReport } from "../../src/report/json-report";
import { renderMarkdownReport } from "../../src/report/markdown-report";
import { REPORT_SCHEMA_VERSION, buildRunReport } from "../../src/report/run-report";
import { writeRunReports } from "../../src/report/write-run-reports";
import { makeTempDir, removeTempDir } from "../core/helpers/temp-dir";
import { reviewableRun } from "./report-fixture";

const errorRecord = z
  .object({
    code: z.string().regex(/^AEGIS-E\d{3}$/),
    message: z.string(),
    hint: z.string(),
    name: z.string(),
  })
  .strict();
const status = z.enum([
  "running",
  "waiting",
  "failed",
  "interrupted",
  "rolling-back",
  "completed",
  "dry-run",
  "rolled-back",
  "abandoned",
]);

// The schema documented in src/report/SCHEMA.md, strict: an undocumented field fails the test.
const reportSchema = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.literal("aegis-run-report"),
    run: z
      .object({
        runId: z.string(),
        planId: z.string(),
        planTitle: z.string().optional(),
        planHash: z.string().regex(/^[0-9a-f]{64}$/),
        targetKey: z.string(),
        dryRun: z.boolean(),
        status,
        startedAt: z.string(),
        updatedAt: z.string(),
        endedAt: z.string().optional(),
        sessions: z.number().int(),
        journalLines: z.number().int(),
        activeMs: z.number(),
      })
      .strict(),
    steps: z.array(
      z
        .object({
          id: z.string().includes("#"),
          shortId: z.string(),
          title: z.string().optional(),
          phase: z.enum(["assess", "prepare", "execute", "validate", "stabilize"]),
          changesTarget: z.boolean(),
          undo: z.enum(["reversible", "partial", "irreversible"]),
          undoWhy: z.string().optional(),
          description: z.string().optional(),
          status: z.enum([
            "pending",
            "running",
            "completed",
            "stopped",
            "failed",
            "waiting",
            "skipped",
          ]),
          attempts: z.number().int(),
          durationMs: z.number().optional(),
          verdict: z.enum(["go", "warn", "stop"]).optional(),
          verifyMessage: z.string().optional(),
          verifyDurationMs: z.number().optional(),
          figures: z.record(z.string(), z.unknown()).optional(),
          overridden: z.object({ reason: z.string(), at: z.string() }).strict().optional(),
          output: z.unknown().optional(),
          error: errorRecord.optional(),
          awaiting: z
            .object({
              reason: z.string(),
              until: z.string().optional(),
              condition: z.record(z.string(), z.unknown()).optional(),
            })
            .strict()
            .optional(),
          effectsApplied: z.number().int(),
          artifacts: z.array(
            z
              .object({ name: z.string(), path: z.string(), sha256: z.string(), bytes: z.number() })
              .strict(),
          ),
          rollback: z
            .object({
              status: z.enum([
                "none",
                "pending",
                "running",
                "waiting",
                "rolled-back",
                "skipped",
                "failed",
              ]),
              durationMs: z.number().optional(),
              error: errorRecord.optional(),
              skipped: z.string().optional(),
            })
            .strict(),
        })
        .strict(),
    ),
    beforeAfter: z.array(
      z
        .object({
          step: z.string(),
          figure: z.string(),
          before: z.unknown(),
          after: z.unknown(),
          changed: z.boolean(),
        })
        .strict(),
    ),
    changes: z.array(
      z
        .object({
          step: z.string(),
          scope: z.enum(["run", "rollback"]),
          key: z.string(),
          status: z.enum(["intent", "applied", "failed", "not-applied"]),
          attempts: z.number().int(),
          intent: z.unknown(),
          notes: z.array(z.unknown()),
          outcome: z.unknown().optional(),
          resolvedBy: z.enum(["apply", "reconcile"]).optional(),
          at: z.string(),
        })
        .strict(),
    ),
    notFullyReversible: z.array(
      z
        .object({
          step: z.string(),
          undo: z.enum(["partial", "irreversible"]),
          why: z.string(),
          executed: z.boolean(),
        })
        .strict(),
    ),
    rollback: z
      .object({
        reason: z.enum(["failure", "stop-verdict", "requested", "interrupted"]),
        status: z.enum(["running", "waiting", "failed", "completed"]),
        startedAt: z.string(),
        endedAt: z.string().optional(),
        steps: z.array(z.string()),
        cause: z.object({ step: z.string(), error: errorRecord }).strict().optional(),
      })
      .strict()
      .optional(),
    failure: z
      .object({
        step: z.string(),
        scope: z.enum(["run", "rollback"]),
        error: errorRecord,
        at: z.string(),
      })
      .strict()
      .optional(),
    awaiting: z
      .object({
        step: z.string(),
        reason: z.string(),
        until: z.string().optional(),
        condition: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    interruptions: z
      .array(
        z
          .object({
            reason: z.string(),
            mode: z.enum(["forward", "rollback"]),
            step: z.string().optional(),
            at: z.string(),
          })
          .strict(),
      )
      .optional(),
    abandoned: z
      .object({ reason: z.string(), observed: z.record(z.string(), z.unknown()), at: z.string() })
      .strict()
      .optional(),
    review: z.array(
      z.looseObject({
        kind: z.string(),
        severity: z.enum(["info", "warning", "critical"]),
        message: z.string(),
        hint: z.string(),
      }),
    ),
  })
  .strict();

describe("JSON run report", () => {
  let dir: string;
  let runDir: string;
  before(async () => {
    dir = makeTempDir("aegis-report-");
    runDir = await reviewableRun(dir);
  });
  after(() => removeTempDir(dir));

  it("follows the documented schema (version 1)", () => {
    const json = JSON.parse(
      renderJsonReport(buildRunReport(readRunState(runDir).state)),
    ) as unknown;
    const parsed = reportSchema.safeParse(json);
    expect(parsed.success, JSON.stringify(parsed.error?.issues?.slice(0, 3))).to.equal(true);
    expect(REPORT_SCHEMA_VERSION).to.equal(1);
  });

  it("tags bigints as the journal does, so they decode back exactly", () => {
    const json = JSON.parse(
      renderJsonReport(buildRunReport(readRunState(runDir).state)),
    ) as EncodedJson;
    const report = decodeJournalValue(json) as ReturnType<typeof buildRunReport>;
    const lu3 = report.beforeAfter.find((row) => row.figure === "LU-3");
    expect(lu3).to.deep.equal({
      step: "engine-v2#invariants",
      figure: "LU-3",
      before: 1041200n,
      after: 1039800n,
      changed: true,
    });
    expect(JSON.stringify(json)).to.contain('{"$bigint":"1041200"}');
  });

  it("reports what happened: statuses, verdicts, rollback with its cause, changes, repairs", () => {
    const report = buildRunReport(readRunState(runDir).state);
    expect(report.run).to.deep.include({ status: "rolled-back", planId: "engine-v2", sessions: 2 });
    expect(
      report.steps.map((step) => [step.shortId, step.status, step.verdict ?? null]),
    ).to.deep.equal([
      ["preflight", "completed", "warn"],
      ["pause", "completed", "go"],
      ["upgrade", "completed", "go"],
      ["burn-dust", "completed", null],
      ["invariants", "stopped", "stop"],
    ]);
    expect(report.rollback).to.deep.include({
      reason: "stop-verdict",
      status: "completed",
      steps: ["engine-v2#burn-dust", "engine-v2#upgrade", "engine-v2#pause"],
    });
    expect(report.rollback?.cause?.error.code).to.equal("AEGIS-E151");
    expect(
      report.changes.map(
        (change) => `${change.scope}:${change.step}:${change.key}:${change.status}`,
      ),
    ).to.deep.equal([
      "run:engine-v2#pause:tx:applied",
      "run:engine-v2#upgrade:tx:applied",
      "run:engine-v2#burn-dust:tx:applied",
      "rollback:engine-v2#upgrade:downgrade:applied",
      "rollback:engine-v2#pause:unpause:applied",
    ]);
    expect(report.changes[0]?.notes).to.deep.equal([{ hash: "0x91c3" }]);
    expect(
      report.notFullyReversible.map((item) => [item.step, item.undo, item.executed]),
    ).to.deep.equal([
      ["engine-v2#upgrade", "partial", true],
      ["engine-v2#burn-dust", "irreversible", true],
    ]);
    const kinds = report.review.map((finding) => finding.kind);
    expect(kinds).to.include.members([
      "journal-tail-repaired",
      "verdict-warn",
      "verdict-stop",
      "change-not-undone",
      "partial-undo",
      "rollback-performed",
    ]);
  });

  it("is deterministic: the same journal gives byte-identical reports, wherever it is read", () => {
    const state = readRunState(runDir).state;
    const copyDir = makeTempDir("aegis-report-copy-");
    try {
      const copy = path.join(copyDir, "runs", path.basename(runDir));
      fs.mkdirSync(copy, { recursive: true });
      fs.copyFileSync(journalFileOf(runDir), journalFileOf(copy));
      const again = readRunState(copy).state;
      expect(renderJsonReport(buildRunReport(again))).to.equal(
        renderJsonReport(buildRunReport(state)),
      );
      expect(renderMarkdownReport(buildRunReport(again))).to.equal(
        renderMarkdownReport(buildRunReport(state)),
      );
    } finally {
      removeTempDir(copyDir);
    }
  });

  it("writes report.json and report.md into the run folder", () => {
    const written = writeRunReports(runDir, readRunState(runDir).state);
    expect(written.json).to.equal(path.join(runDir, "report.json"));
    expect(JSON.parse(fs.readFileSync(written.json, "utf8"))).to.have.property("schemaVersion", 1);
    expect(fs.readFileSync(written.markdown, "utf8")).to.match(/^# Run /);
  });
});
