import { expect } from "chai";

import { readRunState } from "../../src/core/read-run-state";
import {
  formatDuration,
  formatValue,
  renderMarkdownReport,
} from "../../src/report/markdown-report";
import { buildRunReport } from "../../src/report/run-report";
import { makeTempDir, removeTempDir } from "../core/helpers/temp-dir";
import { reviewableRun } from "./report-fixture";

/** The lines of a Markdown section, from its heading to the next one. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.indexOf(`## ${heading}`);
  expect(start, `section ${heading}`).to.be.greaterThan(-1);
  const end = lines.findIndex((line, index) => index > start && line.startsWith("## "));
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((line) => line.trim() !== "");
}

describe("Markdown run report", () => {
  let dir: string;
  let markdown: string;
  before(async () => {
    dir = makeTempDir("aegis-md-");
    const runDir = await reviewableRun(dir);
    markdown = renderMarkdownReport(buildRunReport(readRunState(runDir).state));
  });
  after(() => removeTempDir(dir));

  it("names the plan, its hash, the run and its status", () => {
    const header = markdown.split("\n").slice(0, 14).join("\n");
    expect(header).to.match(/^# Run \d{8}-\d{6}-engine-v2/);
    expect(header).to.contain("| Plan | `engine-v2` — AEGIS engine V2 |");
    expect(header).to.match(/\| Plan hash \| `[0-9a-f]{64}` \([0-9a-f]{4}…[0-9a-f]{3}\) \|/);
    expect(header).to.contain("| Status | **rolled-back** |");
  });

  it("has one row per step with its verdict and key figures", () => {
    const rows = section(markdown, "Steps").slice(2);
    expect(rows).to.have.length(5);
    expect(rows[0]).to.match(
      /^\| 1 \| `preflight` Preflight \| assess \| completed \| ⚠ warn \| p99Ms warn; p99Ms 180 \(warn; acceptable 150, critical 300\) \|/,
    );
    expect(rows[1]).to.contain(
      "| `pause` | execute | completed, rolled back | ✔ go | paused false → true |",
    );
    // A pipe inside a verify message must not break the table.
    expect(rows[4]).to.contain(
      "| ✖ stop | LU-3 share price moved \\| must not change; LU-3 1041200 → 1039800; checked 7 |",
    );
  });

  it("lists before/after figures, nested ones and gate baselines included, marking changes", () => {
    const rows = section(markdown, "Before and after").slice(2);
    expect(rows).to.deep.equal([
      "| `preflight` | p99Ms | 120 | 180 | **yes** |",
      "| `pause` | paused | false | true | **yes** |",
      "| `upgrade` | initialized | 1 | 2 | **yes** |",
      "| `upgrade` | layout.slots | 4212 | 4212 | no |",
      "| `invariants` | LU-3 | 1041200 | 1039800 | **yes** |",
    ]);
  });

  it("says what changed on the target, with intents, notes' effects and outcomes", () => {
    const lines = section(markdown, "What changed");
    expect(lines).to.have.length(3);
    expect(lines[0]).to.match(
      /^- `engine-v2#pause` tx: \*\*applied\*\* — intent `\{"to":"0x5FbD","data":"0x8456cb59","nonce":7\}` → `\{"key":"pause","applied":1,"block":"812"\}`$/,
    );
  });

  it("shows the rollback, in order, with the irreversible step skipped", () => {
    const lines = section(markdown, "Rollback");
    expect(lines[0]).to.equal(
      "Reason: stop-verdict (engine-v2#invariants: AEGIS-E151); status: **completed**.",
    );
    expect(lines.slice(3, 6).map((line) => line.split("|")[1]?.trim())).to.deep.equal([
      "`burn-dust`",
      "`upgrade`",
      "`pause`",
    ]);
    expect(lines[3]).to.contain("skipped (irreversible: burnt dust cannot be minted back)");
  });

  it("lists the steps that cannot be fully undone, with why", () => {
    expect(section(markdown, "Cannot be fully undone")).to.deep.equal([
      "- **engine-v2#upgrade** — partial: the reinitializer's writes stay (executed in this run)",
      "- **engine-v2#burn-dust** — irreversible: burnt dust cannot be minted back (executed in this run)",
    ]);
  });

  it("tells the reviewer what to look at, each with a hint", () => {
    const lines = section(markdown, "What a reviewer should look at");
    const text = lines.join("\n");
    expect(text).to.contain("a torn journal line");
    expect(text).to.contain("engine-v2#preflight verified warn");
    expect(text).to.contain("engine-v2#invariants verified stop");
    expect(text).to.contain("engine-v2#burn-dust changed the target and cannot be undone");
    expect(text).to.contain("engine-v2#upgrade was rolled back only partially");
    expect(text).to.contain("the run was rolled back (stop-verdict)");
    // Every finding is followed by its hint line.
    expect(lines.filter((line) => line.startsWith("- "))).to.have.length(
      lines.filter((line) => line.startsWith("  ")).length,
    );
  });

  it("formats values and durations compactly and deterministically", () => {
    expect(formatValue(10n ** 20n)).to.equal("100000000000000000000");
    expect(formatValue({ a: 1n, b: new Uint8Array([255]) })).to.equal('{"a":"1","b":"0xff"}');
    expect(formatValue("x".repeat(200))).to.have.length(120);
    expect([0.2, 850, 1250, 184_000, 7_500_000].map(formatDuration)).to.deep.equal([
      "<1 ms",
      "850 ms",
      "1.3 s",
      "3 min 4 s",
      "2 h 5 min",
    ]);
  });
});
