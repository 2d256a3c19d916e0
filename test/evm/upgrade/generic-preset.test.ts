import { expect } from "chai";
import hre from "hardhat";
import { isAegisError } from "../../../src/core/errors";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import { buildGenericPreset, type PresetContract } from "../../../src/evm/upgrade/generic-preset";
import { choosePreset, parseGenericPreset } from "../../../src/evm/upgrade/preset-config";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import type { DeploymentRecord } from "../../../src/evm/chain/deployment-record";
import { layoutOfBytecode } from "../../../src/evm/storage/contract-layout";
import { createLayoutSnapshotter } from "../../../src/evm/storage/layout-snapshotter";

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
    const misspelt = () =>
      build({ invariants: [{ view: "totalSuply()", unchanged: true }] }, token);
    expect(misspelt).to.throw(
      "aegis.presets.Token.invariants.0: PausableTokenV1 has no view totalSuply()",
    );
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

  it("finds the holders of a token in its Transfer events: for balanceOf(holders) and for the snapshot's _balances keys", async () => {
    const TRANSFER = "event Transfer(address indexed from, address indexed to, uint256 value)";
    const [owner, alice, bob, carol, dave] = await hre.ethers.getSigners();
    const erc20 = await hre.upgrades.deployProxy(
      await hre.ethers.getContractFactory("PausableTokenV1", owner),
      ["Pausable", "PSB", owner!.address, 10n ** 27n],
      { kind: "transparent", initializer: "initialize" },
    );
    await erc20.waitForDeployment();
    const proxy = await erc20.getAddress();
    const deployedAt = await hre.ethers.provider.getBlockNumber();
    for (const [index, holder] of [alice!, bob!].entries()) {
      await (await erc20.getFunction("mint")(holder.address, BigInt(index + 1) * 1000n)).wait();
    }
    // A transfer makes a holder nobody listed.
    const asAlice = erc20.connect(alice!) as typeof erc20;
    await (await asAlice.getFunction("transfer")(carol!.address, 100n)).wait();
    const before = await hre.ethers.provider.getBlockNumber();
    const record = { proxy, deployedAt: { block: deployedAt, timestamp: 0 } } as DeploymentRecord;

    const preset = build(
      {
        accounts: { holders: { event: TRANSFER, args: ["from", "to"] } },
        invariants: [{ view: "balanceOf(holders)", unchanged: true }],
        snapshotKeys: [
          {
            mapping: "erc7201:openzeppelin.storage.ERC20:_balances",
            event: TRANSFER,
            args: ["from", "to"],
            skipZero: true,
          },
        ],
      },
      token,
    );
    const stateBefore = await preset.readState(hre.ethers.provider, record, before);
    const holders = [alice!, bob!, carol!].map((signer) => signer.address);
    const balances = { [alice!.address]: 900n, [bob!.address]: 2000n, [carol!.address]: 100n };
    for (const holder of holders) {
      expect(stateBefore[`balanceOf(${holder})`], holder).to.equal(balances[holder]);
    }
    // The zero address of the mints is no holder; dave never held any.
    expect(Object.keys(stateBefore).filter((k) => k.startsWith("balanceOf("))).to.have.length(3);
    expect(preset.compareStates(stateBefore, stateBefore)[0]!.holds).to.equal(true);

    // A balance that moves breaks the invariant; a holder who appears later is not compared.
    await (await erc20.getFunction("mint")(dave!.address, 5n)).wait();
    await (await asAlice.getFunction("transfer")(bob!.address, 1n)).wait();
    const after = await preset.readState(
      hre.ethers.provider,
      record,
      await hre.ethers.provider.getBlockNumber(),
    );
    expect(after[`balanceOf(${dave!.address})`]).to.equal(5n);
    const [result] = preset.compareStates(stateBefore, after);
    expect(result!.holds).to.equal(false);
    expect(result!.violation).to.equal(
      // In order of address (bob's sorts first).
      `balanceOf(${bob!.address}) 2000 -> 2001; balanceOf(${alice!.address}) 900 -> 899`,
    );
    expect(Object.keys(result!.figures)).to.have.members(holders.map((h) => `balanceOf(${h})`));

    // The storage snapshot reads the _balances entry of every holder the events name.
    const artifact = await hre.artifacts.readArtifact("PausableTokenV1");
    const layout = layoutOfBytecode(
      await readValidations(hre),
      artifact.contractName,
      artifact.bytecode,
    ).storage;
    const side = { contract: "PausableTokenV1", layout };
    const snapshotter = createLayoutSnapshotter({
      endpoint: hre.network.provider,
      address: proxy,
      before: side,
      after: side,
      keySources: preset.snapshotKeys!.keySources,
      mappingKeys: preset.snapshotKeys!.mappingKeys,
      fromBlock: deployedAt,
    });
    const snapshot = JSON.parse((await snapshotter.take(before, "before")).json) as {
      entries: Array<{ path: string; value: unknown }>;
    };
    const balanceEntries = snapshot.entries.filter((entry) => entry.path.includes("_balances["));
    expect(balanceEntries.map((entry) => entry.path)).to.have.members(
      holders.map((h) => `erc7201:openzeppelin.storage.ERC20:_balances[${h.toLowerCase()}]`),
    );
  });

  it("refuses an account list whose event or arguments cannot give accounts", () => {
    const list = (event: string, args: string[]) => () =>
      build({ accounts: { holders: { event, args } } }, token);
    const transfer = "event Transfer(address indexed from, address indexed to, uint256 value)";
    expect(codeOf(list("event Transfer(address from", ["from"]))).to.equal(
      EVM_ERROR_CODES.INVALID_PRESET_CONFIG,
    );
    expect(codeOf(list(transfer, ["sender"]))).to.equal(EVM_ERROR_CODES.INVALID_PRESET_CONFIG);
    expect(codeOf(list(transfer, ["value"]))).to.equal(EVM_ERROR_CODES.INVALID_PRESET_CONFIG);
    expect(
      codeOf(() =>
        build(
          {
            accounts: { holders: { event: transfer, args: ["to"] } },
            invariants: [{ view: "totalSupply()", atMost: "balanceOf(holders)" }],
          },
          token,
        ),
      ),
    ).to.equal(EVM_ERROR_CODES.INVALID_PRESET_CONFIG);
  });
});
