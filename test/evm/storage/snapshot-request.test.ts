import { expect } from "chai";
import { ethers, type Provider } from "ethers";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import type { DeploymentRecord } from "../../../src/evm/chain/deployment-record";
import { IMPLEMENTATION_SLOT } from "../../../src/evm/chain/eip1967";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import type { SnapshotKeys } from "../../../src/evm/storage/mapping-keys";
import {
  resolveSnapshotRequest,
  snapshotTarget,
  type SnapshotRequestDeps,
} from "../../../src/evm/storage/snapshot-request";

const PROXY = ethers.getAddress(ethers.dataSlice(ethers.id("proxy"), 12));
const IMPLEMENTATION = ethers.getAddress(ethers.dataSlice(ethers.id("implementation"), 12));
const PLAIN_CONTRACT = ethers.getAddress(ethers.dataSlice(ethers.id("no proxy slots"), 12));
const EOA = ethers.getAddress(ethers.dataSlice(ethers.id("eoa"), 12));

const RECORD_LAYOUT = { storage: [], types: {}, namespaces: {} } as unknown as StorageLayout;
const BUILT_LAYOUT = { storage: [], types: { t_bool: {} } } as unknown as StorageLayout;

const TOKEN_KEYS: SnapshotKeys = {
  keySources: [
    {
      mapping: "erc7201:openzeppelin.storage.ERC20:_balances",
      event: "event Transfer(address indexed from, address indexed to, uint256 value)",
      args: ["from", "to"],
    },
  ],
  mappingKeys: {},
};

const PRESET_KEYS: SnapshotKeys = {
  keySources: [
    { mapping: "vaults", event: "event VaultOpened(address indexed vault)", args: ["vault"] },
  ],
  mappingKeys: { roles: ["0x00"], balances: ["0x01"] },
};

/** A chain of three accounts: a proxy with its implementation slot set, a plain contract, an EOA. */
const chain = {
  async getCode(address: string) {
    return address === EOA ? "0x" : "0x6000";
  },
  async getStorage(address: string, slot: string) {
    return address === PROXY && slot === IMPLEMENTATION_SLOT
      ? ethers.zeroPadValue(IMPLEMENTATION, 32)
      : ethers.ZeroHash;
  },
} as unknown as Provider;

function record(name: string): DeploymentRecord {
  return {
    name,
    proxy: PROXY,
    current: { contract: `${name}V1` },
    deployedAt: { block: 42, timestamp: 0 },
    layout: { storage: RECORD_LAYOUT },
  } as unknown as DeploymentRecord;
}

/** Deps over the fake chain; counts what was loaded. */
function deps(overrides: Partial<SnapshotRequestDeps> = {}) {
  const loaded = {
    records: [] as string[],
    contracts: [] as string[],
    presets: [] as string[],
    files: [] as string[],
  };
  const wired: SnapshotRequestDeps = {
    provider: chain,
    readRecord: (name) => {
      loaded.records.push(name);
      return record(name);
    },
    readContractLayout: async (name) => {
      loaded.contracts.push(name);
      return { name, layout: BUILT_LAYOUT };
    },
    // Each record its own preset: the engine's keys, an imported token's keys.
    presetKeys: async (of) => {
      loaded.presets.push(of.name);
      return of.name === "AegisEngine" ? PRESET_KEYS : TOKEN_KEYS;
    },
    readFile: (file) => {
      loaded.files.push(file);
      return JSON.stringify({
        mappingKeys: { balances: ["0x02"], extra: ["7"] },
        keySources: [{ mapping: "extra", event: "event E(uint256 id)", args: ["id"] }],
      });
    },
    ...overrides,
  };
  return { wired, loaded };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  expect.fail("expected a coded error");
}

describe("aegis:snapshot's request (without Hardhat)", () => {
  it("takes the mapping keys of the record's own preset, with the record's layout", async () => {
    const { wired, loaded } = deps();
    const request = await resolveSnapshotRequest({ target: "AegisEngine" }, wired);
    expect(request).to.deep.equal({
      address: PROXY,
      layout: RECORD_LAYOUT,
      contract: "AegisEngineV1",
      blockNumber: undefined,
      keySources: PRESET_KEYS.keySources,
      mappingKeys: PRESET_KEYS.mappingKeys,
      fromBlock: 42,
    });
    expect(loaded).to.deep.equal({
      records: ["AegisEngine"],
      contracts: [],
      presets: ["AegisEngine"],
      files: [],
    });
  });

  it("gives another record its own preset's keys", async () => {
    const { wired, loaded } = deps();
    const request = await resolveSnapshotRequest({ target: "MyToken" }, wired);
    expect(request.keySources).to.deep.equal(TOKEN_KEYS.keySources);
    expect(request.mappingKeys).to.deep.equal(TOKEN_KEYS.mappingKeys);
    expect(request.contract).to.equal("MyTokenV1");
    expect(loaded.presets).to.deep.equal(["MyToken"]);
  });

  it("gives no keys to a preset that has none", async () => {
    const { wired } = deps({ presetKeys: async () => undefined });
    const request = await resolveSnapshotRequest({ target: "AegisEngine" }, wired);
    expect(request.keySources).to.deep.equal([]);
    expect(request.mappingKeys).to.deep.equal({});
  });

  it("adds a --keys file: its key sources after the preset's, its patterns in place of the same ones", async () => {
    const { wired, loaded } = deps();
    const request = await resolveSnapshotRequest(
      { target: "AegisEngine", keys: "keys.json", block: "17" },
      wired,
    );
    expect(loaded.files).to.deep.equal(["keys.json"]);
    expect(request.keySources.map((source) => source.mapping)).to.deep.equal(["vaults", "extra"]);
    expect(request.mappingKeys).to.deep.equal({
      roles: ["0x00"],
      balances: ["0x02"],
      extra: ["7"],
    });
    expect(request.blockNumber).to.equal(17);
    // The preset's own keys are left as they were.
    expect(PRESET_KEYS.mappingKeys.balances).to.deep.equal(["0x01"]);
  });

  it("decodes with --contract's layout, the record still naming the proxy and its keys", async () => {
    const { wired, loaded } = deps();
    const request = await resolveSnapshotRequest(
      { target: "AegisEngine", contract: "AegisEngineV2" },
      wired,
    );
    expect(request.layout).to.equal(BUILT_LAYOUT);
    expect(request.contract).to.equal("AegisEngineV2");
    expect(request.address).to.equal(PROXY);
    expect(request.mappingKeys).to.deep.equal(PRESET_KEYS.mappingKeys);
    expect(loaded.contracts).to.deep.equal(["AegisEngineV2"]);
  });

  it("reads an address with --contract's layout, no keys and events from block 0", async () => {
    const { wired, loaded } = deps();
    const request = await resolveSnapshotRequest(
      { target: PLAIN_CONTRACT.toLowerCase(), contract: "StorageZoo" },
      wired,
    );
    expect(request).to.deep.equal({
      address: PLAIN_CONTRACT,
      layout: BUILT_LAYOUT,
      contract: "StorageZoo",
      blockNumber: undefined,
      keySources: [],
      mappingKeys: {},
      fromBlock: 0,
    });
    expect(loaded.records).to.deep.equal([]);
    expect(loaded.presets).to.deep.equal([]);
  });

  it("refuses a malformed address, an EOA, a non-proxy without --contract and a proxy without a layout", async () => {
    const { wired } = deps();
    const resolve = (target: string, contract?: string) =>
      codeOf(resolveSnapshotRequest({ target, contract }, wired));
    expect(await resolve("0x1234")).to.equal(EVM_ERROR_CODES.INVALID_ADDRESS);
    expect(await resolve(EOA, "StorageZoo")).to.equal(EVM_ERROR_CODES.NOT_A_PROXY);
    expect(await resolve(PLAIN_CONTRACT)).to.equal(EVM_ERROR_CODES.NOT_A_PROXY);
    // A proxy's address names no record, so no layout: --contract must name it.
    expect(await resolve(PROXY)).to.equal(EVM_ERROR_CODES.LIVE_LAYOUT_UNKNOWN);
  });

  it("snapshots the configured proxy without --target, and says AEGIS-E317 when none is", () => {
    expect(snapshotTarget("Treasury", "AegisEngine")).to.equal("Treasury");
    expect(snapshotTarget(undefined, "AegisEngine")).to.equal("AegisEngine");
    expect(() => snapshotTarget(undefined, undefined))
      .to.throw(/--target/)
      .with.property("code", EVM_ERROR_CODES.MISSING_UPGRADE_SETTING);
  });
});
