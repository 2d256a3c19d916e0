import { expect } from "chai";
import hre from "hardhat";
import { isAegisError } from "../../../src/core/errors";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import { buildGenericPreset, type PresetContract } from "../../../src/evm/upgrade/generic-preset";
import { choosePreset, parseGenericPreset } from "../../../src/evm/upgrade/preset-config";

const HOLDERS = [
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
];
const KEY = "aegis.presets.Token";

async function contracts(...names: string[]): Promise<PresetContract[]> {
  return Promise.all(
    names.map(async (name) => ({ name, abi: (await hre.artifacts.readArtifact(name)).abi })),
  );
}

function build(config: unknown, on: PresetContract[]) {
  return buildGenericPreset({ key: KEY, config: parseGenericPreset(KEY, config), contracts: on });
}

function codeOf(body: () => unknown): string {
  try {
    body();
  } catch (error) {
    if (isAegisError(error)) return error.code;
    throw error;
  }
  return "no error";
}

describe("generic preset", () => {
  let token: PresetContract[];
  let plain: PresetContract[];
  before(async () => {
    token = await contracts("PausableTokenV1", "PausableTokenV2");
    plain = await contracts("PlainTokenV1", "PlainTokenV2");
  });

  it("checks invariants as data within one state and across the upgrade", () => {
    const preset = build(
      {
        accounts: { holders: HOLDERS },
        invariants: [
          { view: "totalSupply()", unchanged: true },
          { id: "balances", view: "balanceOf(holders)", unchanged: true },
          { view: "totalSupply()", atMost: "maxSupply()" },
          { view: "totalSupply()", atLeast: "1" },
          { view: "owner()", equals: HOLDERS[0]!.toLowerCase() },
          { view: "maxSupply()", withinBps: 100 },
        ],
      },
      token,
    );
    const state = {
      "totalSupply()": 30n,
      "maxSupply()": 1000n,
      "owner()": HOLDERS[0]!,
      [`balanceOf(${HOLDERS[0]})`]: 10n,
      [`balanceOf(${HOLDERS[1]})`]: 20n,
    };
    expect(preset.checkState(state).every((result) => result.holds)).to.equal(true);
    expect(preset.compareStates(state, state).map((result) => result.holds)).to.deep.equal(
      Array(6).fill(true),
    );

    const after = {
      ...state,
      "maxSupply()": 1011n, // 110 bps more
      [`balanceOf(${HOLDERS[1]})`]: 19n,
      "totalSupply()": 1020n,
    };
    const broken = preset.compareStates(state, after).filter((result) => !result.holds);
    expect(broken.map((result) => result.id)).to.deep.equal([
      "totalSupply() atMost",
      "totalSupply() unchanged",
      "balances",
      "maxSupply() withinBps",
    ]);
    expect(broken[0]!.violation).to.equal("totalSupply() = 1020, not <= 1011");
    expect(broken[2]!.violation).to.equal(`balanceOf(${HOLDERS[1]}) 20 -> 19`);
    expect(broken[2]!.figures[`balanceOf(${HOLDERS[1]})`]).to.deep.equal({
      before: 20n,
      after: 19n,
    });
    expect(preset.notices).to.deep.equal([]);
    expect(preset.pauses).to.equal(true);
  });

  it("pauses with pause(), unpause() and paused() by default, and only if the contract has all three", () => {
    const pausable = build({}, token);
    expect(pausable.pauses).to.equal(true);
    expect(pausable.pauseData).to.equal("0x8456cb59");
    expect(pausable.unpauseData).to.equal("0x3f4ba83a");
    expect(pausable.notices).to.have.length(1);
    expect(pausable.notices[0]).to.match(/^NO INVARIANTS: .*aegis\.presets\.Token\.invariants/);

    const live = buildGenericPreset({ key: KEY, config: undefined, contracts: plain });
    expect(live.pauses).to.equal(false);
    expect(live.notices[0]).to.equal(
      "NO PAUSE: the protocol stays live during the upgrade (PlainTokenV1 and PlainTokenV2 have no pause(), unpause(), paused()); users can act between the snapshot and the upgrade, and what they change shows in the storage diff",
    );
    expect(live.notices[1]).to.contain("nothing is configured");
    expect(build({ pause: "none" }, token).pauses).to.equal(false);
  });

  it("refuses, before anything is read, functions and views the contracts do not have", () => {
    const pauseMissing = () =>
      build({ pause: { pause: "halt()", unpause: "unpause()", paused: "paused()" } }, token);
    expect(codeOf(pauseMissing)).to.equal(EVM_ERROR_CODES.PRESET_PAUSE_FUNCTION_MISSING);
    // In V2 only: the implementation running now must have it too (the state is read before).
    const onlyV2 = () => build({ views: ["version()"] }, token);
    expect(codeOf(onlyV2)).to.equal(EVM_ERROR_CODES.PRESET_VIEW_MISSING);
    expect(
      codeOf(() => build({ invariants: [{ view: "totalSuply()", unchanged: true }] }, token)),
    ).to.equal(EVM_ERROR_CODES.PRESET_VIEW_MISSING);
    expect(codeOf(() => build({ views: ["mint(holders, 1)"] }, token))).to.equal(
      EVM_ERROR_CODES.PRESET_VIEW_MISSING,
    );
    expect(codeOf(() => build({ views: ["balanceOf(whales)"] }, token))).to.equal(
      EVM_ERROR_CODES.INVALID_PRESET_CONFIG,
    );
    expect(
      codeOf(() => build({ invariants: [{ view: "owner()", atLeast: "1" }] }, token)),
    ).to.equal(EVM_ERROR_CODES.INVALID_PRESET_CONFIG);
    expect(
      codeOf(() => parseGenericPreset(KEY, { invariants: [{ view: "totalSupply()" }] })),
    ).to.equal(EVM_ERROR_CODES.INVALID_PRESET_CONFIG);
    expect(codeOf(() => parseGenericPreset(KEY, { pause: "sometimes" }))).to.equal(
      EVM_ERROR_CODES.INVALID_PRESET_CONFIG,
    );
  });

  it("chooses a record's own preset, then the upgrade's, then the defaults of its origin", () => {
    const imported = { name: "Token", proxy: HOLDERS[0]!, imported: true };
    const deployed = { name: "AegisEngine", proxy: HOLDERS[1]!, imported: false };
    const upgrade = { proxy: "AegisEngine", preset: "aegis" as const };
    expect(choosePreset({ upgrade }, imported)).to.deep.equal({
      setting: undefined,
      key: "aegis.presets.Token",
    });
    expect(choosePreset({ upgrade }, deployed).setting).to.equal("aegis");
    expect(
      choosePreset({ upgrade, presets: { Token: { pause: "none" } } }, imported),
    ).to.deep.equal({
      setting: { pause: "none" },
      key: "aegis.presets.Token",
    });
    expect(
      choosePreset({ upgrade: { proxy: "Token", preset: { views: [] } } }, imported).key,
    ).to.equal("aegis.upgrade.preset");
  });
});
