import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import {
  checkRehearsalGate,
  type RehearsalGateInput,
} from "../../../src/evm/rehearsal/rehearsal-gate";
import { receiptsDirOf } from "../../../src/evm/rehearsal/rehearsal-receipt";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import { catchError } from "../../core/helpers/catch-error";
import { makeTempDir, removeTempDir } from "../../core/helpers/temp-dir";

const PLAN_HASH = `0x${"ab".repeat(32)}`;

/** A receipt as aegis:rehearse writes it, for `planHash`, passed or not. */
function writeReceipt(deploymentsDir: string, folder: string, planHash: string, passed: boolean) {
  const dir = path.join(receiptsDirOf(deploymentsDir, "sepolia"), folder);
  fs.mkdirSync(dir, { recursive: true });
  const receipt = {
    schemaVersion: 1,
    kind: "aegis-rehearsal-receipt",
    planId: "upgrade-aegis",
    planHash,
    network: "sepolia",
    chainId: 11155111,
    engine: "anvil",
    forkUrl: "http://127.0.0.1:8545",
    forkBlock: 1234,
    proxy: `0x${"11".repeat(20)}`,
    toContract: "AegisEngineV2",
    toCreationBytecodeHash: `0x${"22".repeat(32)}`,
    toRuntimeCodeHash: null,
    passed,
    forward: { status: passed ? "completed" : "failed", verdicts: [] },
    back: null,
    startedAt: "2026-12-03T10:00:00.000Z",
    endedAt: "2026-12-03T10:01:00.000Z",
    reports: { markdown: "report.md", json: "report.json" },
  };
  fs.writeFileSync(path.join(dir, "receipt.json"), JSON.stringify(receipt));
  return path.join(dir, "receipt.json");
}

describe("rehearsal gate (a live upgrade needs a passing rehearsal of its plan)", () => {
  let deploymentsDir: string;
  let warnings: string[];
  const gate = (overrides: Partial<RehearsalGateInput> = {}): RehearsalGateInput => ({
    network: "sepolia",
    developmentNetworks: ["hardhat", "localhost"],
    deploymentsDir,
    planHash: PLAN_HASH,
    withoutRehearsal: false,
    warn: (line) => warnings.push(line),
    ...overrides,
  });

  beforeEach(() => {
    deploymentsDir = makeTempDir("aegis-gate-");
    warnings = [];
  });
  afterEach(() => removeTempDir(deploymentsDir));

  it("asks nothing of a development network", () => {
    expect(checkRehearsalGate(gate({ network: "localhost" }))).to.equal(
      "not required (development network)",
    );
    expect(warnings).to.deep.equal([]);
  });

  it("refuses a live network with no receipt (AEGIS-E330), naming the command that rehearses", () => {
    const error = catchError(() => checkRehearsalGate(gate())) as Error & {
      code?: string;
      hint?: string;
    };
    expect(error?.code).to.equal(EVM_ERROR_CODES.REHEARSAL_MISSING);
    expect(error?.hint).to.contain("npx hardhat aegis:rehearse --network sepolia");
  });

  it("counts only a passing receipt of the same plan hash", () => {
    writeReceipt(deploymentsDir, "a-failed", PLAN_HASH, false);
    writeReceipt(deploymentsDir, "b-other-plan", `0x${"cd".repeat(32)}`, true);
    expect(catchError(() => checkRehearsalGate(gate()))).to.have.property(
      "code",
      EVM_ERROR_CODES.REHEARSAL_MISSING,
    );
    const file = writeReceipt(deploymentsDir, "c-passed", PLAN_HASH, true);
    expect(checkRehearsalGate(gate())).to.equal(`passed on the anvil fork at block 1234 (${file})`);
  });

  it("goes on without a receipt only with --without-rehearsal, warning loudly", () => {
    expect(checkRehearsalGate(gate({ withoutRehearsal: true }))).to.equal(
      "OVERRIDDEN: no passing rehearsal (--without-rehearsal)",
    );
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^WARNING: upgrading sepolia WITHOUT a passing rehearsal/);
  });
});
