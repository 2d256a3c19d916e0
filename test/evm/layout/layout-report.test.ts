import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { compareAbis } from "../../../src/evm/layout/abi-compare";
import { readBuiltContract } from "../../../src/evm/layout/build-layouts";
import { buildTargetReport, type VersionInput } from "../../../src/evm/layout/layout-report";
import { findNamespaceDeclarations, type AstSources } from "../../../src/evm/layout/namespaces";
import { createStorageReader } from "../../../src/evm/storage/storage-reader";
import { deploySeededProtocol } from "../../helpers/seeded-protocol";

async function version(name: string): Promise<VersionInput> {
  const built = await readBuiltContract(hre.artifacts, await readValidations(hre), name);
  const info = await hre.artifacts.getBuildInfo(`${built.sourceName}:${built.name}`);
  return {
    contract: name,
    layout: built.layout,
    abi: built.abi,
    namespaceDeclarations: findNamespaceDeclarations(
      info!.output as unknown as AstSources,
      built.name,
    ),
  };
}

async function report(oldName: string, newName: string) {
  return buildTargetReport({
    name: `${oldName} -> ${newName}`,
    current: { ...(await version(oldName)), source: "build-info" },
    updated: await version(newName),
  });
}

describe("storage-layout report", () => {
  it("V1 -> V2: one appended variable, everything else unchanged, namespaces verified", async () => {
    const target = await report("AegisEngineV1", "AegisEngineV2");
    expect(target.pass).to.equal(true);
    expect(target.openZeppelinPass).to.equal(true);
    const changed = target.rows.filter((row) => row.verdict !== "unchanged");
    expect(changed.map((row) => [row.verdict, row.updated?.label])).to.deep.equal([
      ["appended", "newFeatureEnabled"],
    ]);
    const riskParams = target.namespaces.find(
      (ns) => ns.namespace === "erc7201:aegis.storage.RiskParams",
    );
    expect(riskParams?.baseSlot).to.equal(
      "0xf928a9a5738aa9246030b1b1a8ce0ffa1c614bc615501d8eb23e6c361ccac300",
    );
    expect(riskParams?.slotConstant).to.equal("match");
    expect(target.findings.filter((f) => f.severity === "conflict")).to.deep.equal([]);
  });

  it("gives renamed, retyped and gap-consumed verdicts per the OpenZeppelin annotations", async () => {
    const target = await report("LayoutEvolutionV1", "LayoutEvolutionV2");
    expect(target.pass).to.equal(true);
    expect(target.rows.map((row) => [row.verdict, row.updated?.label])).to.deep.equal([
      ["renamed", "first"],
      ["retyped", "enabled"],
      ["unchanged", "beta"],
      ["gap-consumed", "gamma"],
      ["gap-consumed", "delta"],
      ["gap-consumed", "__gap"],
    ]);
  });

  // validateUpgrade is the reference: whatever it rejects, the report must call a conflict,
  // naming the same variables; whatever it accepts, the report must accept.
  const variants = [
    { contract: "AegisEngineV2", codes: [] as string[], names: [] as string[] },
    { contract: "AegisEngineV2CorruptingReinitializer", codes: [], names: [] },
    { contract: "AegisEngineV2WithoutReinitializer", codes: [], names: [] },
    {
      contract: "AegisEngineV2InsertedVariable",
      codes: ["LAYOUT-001"],
      names: ["insertedBeforeEverything"],
    },
    { contract: "AegisEngineV2Retyped", codes: ["LAYOUT-005"], names: ["borrowedL"] },
    {
      contract: "AegisEngineV2MovedNamespace",
      codes: ["LAYOUT-008"],
      names: ["erc7201:aegis.storage.RiskParams"],
    },
  ];
  for (const { contract, codes, names } of variants) {
    it(`agrees with validateUpgrade on ${contract}`, async () => {
      const { record } = await loadFixture(deploySeededProtocol);
      let ozMessage = "";
      await hre.upgrades
        .validateUpgrade(record.proxy, await hre.ethers.getContractFactory(contract), {
          kind: "transparent",
        })
        .catch((error: Error) => (ozMessage = error.message));
      const target = await buildTargetReport({
        name: contract,
        current: {
          contract: record.current.contract,
          layout: record.layout.storage as StorageLayout,
          source: "project-record",
        },
        updated: await version(contract),
      });
      const conflicts = target.findings.filter((f) => f.severity === "conflict");
      expect(target.pass).to.equal(ozMessage === "");
      expect(target.openZeppelinPass).to.equal(ozMessage === "");
      for (const code of codes) expect(conflicts.map((f) => f.code)).to.include(code);
      for (const name of names) {
        expect(ozMessage).to.contain(name);
        expect(conflicts.some((f) => f.message.includes(name))).to.equal(true);
      }
      if (codes.length > 0) {
        expect(target.rows.some((row) => row.verdict === "conflict")).to.equal(true);
      }
    });
  }

  it("flags a namespace annotation whose id does not give its slot constant", async () => {
    const target = await report("MismatchedNamespace", "MismatchedNamespace");
    expect(target.pass).to.equal(false);
    expect(target.findings.map((f) => f.code)).to.deep.equal(["LAYOUT-009"]);
    expect(target.namespaces[0]?.slotConstant).to.equal("mismatch");
  });

  it("checks on chain that the bytes under an appended variable are zero", async () => {
    const { record } = await loadFixture(deploySeededProtocol);
    const live = async () =>
      buildTargetReport({
        name: "AegisEngine",
        proxy: record.proxy,
        current: {
          contract: record.current.contract,
          layout: record.layout.storage as StorageLayout,
          source: "project-record",
        },
        updated: await version("AegisEngineV2"),
        live: {
          reader: createStorageReader(hre.network.provider),
          address: record.proxy,
          blockNumber: await hre.ethers.provider.getBlockNumber(),
        },
      });
    const clean = await live();
    expect(clean.pass).to.equal(true);
    expect(clean.liveCheck?.slotsRead).to.equal(1);
    // A stale value where V2 will put newFeatureEnabled (slot 10 of linear storage).
    await hre.network.provider.send("hardhat_setStorageAt", [
      record.proxy,
      "0xa",
      ethers.toBeHex(5, 32),
    ]);
    const dirty = await live();
    expect(dirty.pass).to.equal(false);
    expect(dirty.findings.map((f) => f.code)).to.deep.equal(["LAYOUT-010"]);
  });

  it("reports removed functions and events, and selector clashes with the proxy's admin", () => {
    const before = [
      "function deposit(uint256) returns (uint256)",
      "function legacy()",
      "event Opened(address indexed vault)",
    ];
    const after = [
      "function deposit(uint256) returns (uint256, uint256)",
      "event Opened(address vault)",
      "function upgradeToAndCall(address,bytes)",
    ];
    const findings = compareAbis(
      new ethers.Interface(before).fragments.map((f) => JSON.parse(f.format("json"))),
      new ethers.Interface(after).fragments.map((f) => JSON.parse(f.format("json"))),
    );
    expect(findings.map((f) => f.kind)).to.have.members([
      "function-changed",
      "function-removed",
      "event-changed",
      "selector-clash",
    ]);
    // Behind a UUPS proxy, the implementation's upgradeToAndCall is the upgrade path itself.
    const uups = compareAbis(
      new ethers.Interface(before).fragments.map((f) => JSON.parse(f.format("json"))),
      new ethers.Interface(after).fragments.map((f) => JSON.parse(f.format("json"))),
      "uups",
    );
    expect(uups.map((f) => f.kind)).to.not.include("selector-clash");
    expect(uups).to.have.length(findings.length - 1);
  });

  it("does not call a UUPS implementation's own upgradeToAndCall a clash with the proxy", () => {
    const json = (signatures: string[]) =>
      new ethers.Interface(signatures).fragments.map((f) => JSON.parse(f.format("json")));
    const uups = [
      "function upgradeToAndCall(address,bytes) payable",
      "function proxiableUUID() view returns (bytes32)",
    ];
    expect(compareAbis(json(uups), json(uups))).to.deep.equal([]);
  });
});
