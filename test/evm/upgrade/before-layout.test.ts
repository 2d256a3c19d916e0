import { expect } from "chai";
import type { DeploymentRecord } from "../../../src/evm/chain/deployment-record";
import { layoutBefore } from "../../../src/evm/upgrade/before-layout";

const V1 = `0x${"01".repeat(20)}`;
const V2 = `0x${"02".repeat(20)}`;
const V3 = `0x${"03".repeat(20)}`;

function layout(contract: string): DeploymentRecord["layout"] {
  return {
    contract,
    solcVersion: "0.8.28",
    storageLayoutHash: `0x${contract.length.toString(16).padStart(64, "0")}`,
    storage: { contract },
  };
}

function entry(contract: string, implementation: string, withLayout = true) {
  return {
    contract,
    implementation,
    bytecodeHash: `0x${"aa".repeat(32)}`,
    block: 1,
    ...(withLayout ? { layout: layout(contract) } : {}),
  };
}

/** A record whose proxy now runs `current`, after the implementations in `history`. */
function recordOf(
  current: ReturnType<typeof entry>,
  history: ReturnType<typeof entry>[],
): DeploymentRecord {
  return {
    current,
    history,
    layout: layout(current.contract),
  } as unknown as DeploymentRecord;
}

describe("the layout an upgrade starts from", () => {
  it("is the record's current layout before the upgrade", () => {
    const record = recordOf(entry("EngineV1", V1), []);
    expect(layoutBefore(record, V1).contract).to.equal("EngineV1");
  });

  it("is found in the history once the record follows the upgrade (a resume, a rollback)", () => {
    const record = recordOf(entry("EngineV2", V2), [entry("EngineV1", V1)]);
    expect(layoutBefore(record, V1).contract).to.equal("EngineV1");
  });

  it("takes the latest history entry of that implementation (V1 -> V2 -> V1 -> V3)", () => {
    const first = entry("EngineV1", V1);
    const again = { ...entry("EngineV1", V1), layout: layout("EngineV1-again") };
    const record = recordOf(entry("EngineV3", V3), [first, entry("EngineV2", V2), again]);
    expect(layoutBefore(record, V1).contract).to.equal("EngineV1-again");
  });

  it("falls back to the current layout when the history kept none", () => {
    const record = recordOf(entry("EngineV2", V2), [entry("EngineV1", V1, false)]);
    expect(layoutBefore(record, V1).contract).to.equal("EngineV2");
  });
});
