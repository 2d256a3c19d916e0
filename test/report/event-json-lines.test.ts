import { expect } from "chai";

import { parseJournalValue } from "../../src/core/json-codec";
import { safeUrl } from "../../src/core/redaction";
import { formatEventJsonLine } from "../../src/report/event-json-lines";

describe("JSON-lines events", () => {
  it("formats one event per line, bigints tagged and secrets redacted", () => {
    const line = formatEventJsonLine({
      type: "step.verified",
      runId: "r",
      at: "2026-01-01T00:00:00.000Z",
      step: "p#s",
      verdict: "go",
      figures: {
        supply: 10n ** 30n,
        rpc: "https://user:pw@node.example/",
        signer: { privateKey: "0x01" },
      },
      durationMs: 1.5,
    });
    expect(line.endsWith("\n")).to.equal(true);
    expect(line.trimEnd()).to.not.contain("\n");
    expect(line).to.not.contain("user:pw");
    expect(line).to.not.contain('"0x01"');
    expect(parseJournalValue(line)).to.deep.include({
      type: "step.verified",
      figures: {
        supply: 10n ** 30n,
        rpc: safeUrl("https://user:pw@node.example/"),
        signer: { privateKey: "[REDACTED]" },
      },
    });
  });
});
