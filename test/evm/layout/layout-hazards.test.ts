import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { ethers } from "ethers";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import type { EthereumProvider } from "@openzeppelin/upgrades-core";
import { isAegisError } from "../../../src/core/errors";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import {
  assembleLayoutReport,
  buildTargetReport,
  type LayoutReport,
  type TargetReport,
} from "../../../src/evm/layout/layout-report";
import { emitLayoutReport } from "../../../src/evm/layout/layout-output";
import { renderLayoutMarkdown } from "../../../src/evm/layout/layout-markdown";
import { deploymentRecordPath } from "../../../src/evm/chain/deployment-record";
import { createStorageReader } from "../../../src/evm/storage/storage-reader";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySeededProtocol } from "../../helpers/seeded-protocol";
import {
  checkLayoutRequest,
  referenceBuildVersion,
  resolveLayoutTargets,
  type LayoutRequest,
  type LayoutSourceContext,
} from "../../../src/evm/layout/layout-sources";

let cached: LayoutSourceContext | undefined;
/** The in-process build and network, as the task wires them (read once: validations take ~1 s). */
async function sourceContext(): Promise<LayoutSourceContext> {
  return (cached ??= {
    networkName: hre.network.name,
    deploymentsDir: fs.mkdtempSync(path.join(os.tmpdir(), "aegis-hazards-")),
    artifacts: hre.artifacts,
    validations: await readValidations(hre),
    provider: hre.ethers.provider,
    eip1193: hre.network.provider as unknown as EthereumProvider,
  });
}

/** The report of --old <oldName> --new <newName>, as the task builds it. */
async function compare(oldName: string, newName: string): Promise<TargetReport> {
  const [target] = await resolveLayoutTargets(await sourceContext(), {
    proxies: [],
    old: oldName,
    newContracts: [newName],
  });
  return buildTargetReport(target!);
}

/** The code an in-process call fails with. */
async function codeOf(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (error) {
    if (isAegisError(error)) return error.code;
    throw error;
  }
  throw new Error("expected a coded error");
}

const layoutFindings = (target: TargetReport) =>
  target.findings.filter((f) => f.code.startsWith("LAYOUT"));

describe("layout report: every hazard a finding, with the fix that is right for it", () => {
  describe("a report, always", () => {
    let tmp: string;
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-layout-out-"))));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("reports a wrong ERC-7201 constant of either version as LAYOUT-009, the rest intact", async () => {
      const updated = await compare("AegisEngineV1", "MismatchedNamespace");
      expect(updated.pass).to.equal(false);
      const mismatch = updated.findings.filter((f) => f.code === "LAYOUT-009");
      expect(mismatch).to.have.length(1);
      expect(mismatch[0]!.message).to.contain("MismatchedNamespace: erc7201:aegis.test.Mismatched");
      // The rest of the comparison is there too: V1's variables are gone from this contract.
      expect(updated.findings.some((f) => f.code === "LAYOUT-002")).to.equal(true);
      expect(updated.rows.length).to.be.greaterThan(10);

      const current = await compare("MismatchedNamespace", "AegisEngineV2");
      expect(current.findings.filter((f) => f.code === "LAYOUT-009")).to.have.length(1);
      expect(current.namespaces.length).to.be.greaterThan(1);
    });

    it("writes Markdown and JSON with --out and prints one document; exit 1 on conflict, 0 on none", async () => {
      const conflict = assembleLayoutReport([
        await compare("MismatchedNamespace", "MismatchedNamespace"),
      ]);
      const out = path.join(tmp, "nested", "report");
      const json = emitLayoutReport(conflict, { json: true, out });
      expect(json.exitCode).to.equal(1);
      expect((JSON.parse(json.stdout) as LayoutReport).pass).to.equal(false);
      expect(fs.readFileSync(`${out}.json`, "utf8")).to.equal(json.stdout);
      expect(fs.readFileSync(`${out}.md`, "utf8")).to.contain("| LAYOUT-009 | conflict |");
      const markdown = emitLayoutReport(conflict, { json: false });
      expect(markdown.stdout).to.match(/^# Storage layout report\n/);

      const compatible = assembleLayoutReport([await compare("AegisEngineV1", "AegisEngineV2")]);
      expect(emitLayoutReport(compatible, { json: true }).exitCode).to.equal(0);
    });

    it("refuses what cannot give a report with a code: request, unknown name, build without layouts", async () => {
      const context = await sourceContext();
      const request = (extra: Partial<LayoutRequest>): LayoutRequest => ({
        proxies: [],
        newContracts: ["AegisEngineV2"],
        ...extra,
      });
      expect(
        await codeOf(() => checkLayoutRequest(request({ referenceBuild: "x.json" }))),
      ).to.equal(EVM_ERROR_CODES.LAYOUT_INPUT);
      expect(
        await codeOf(() =>
          resolveLayoutTargets(context, request({ old: "AegisEngineV1", newContracts: ["V9"] })),
        ),
      ).to.equal(EVM_ERROR_CODES.UNKNOWN_CONTRACT);
      // A build-info without the storageLayout output, as a plain solc run would leave it.
      const info = await hre.artifacts.getBuildInfo("contracts/AegisEngineV1.sol:AegisEngineV1");
      const stripped = structuredClone(info!) as unknown as {
        output: { contracts: Record<string, Record<string, { storageLayout?: unknown }>> };
      };
      for (const contracts of Object.values(stripped.output.contracts)) {
        for (const contract of Object.values(contracts)) delete contract.storageLayout;
      }
      const file = path.join(tmp, "no-layout.json");
      fs.writeFileSync(file, JSON.stringify(stripped));
      expect(await codeOf(() => referenceBuildVersion(file, "AegisEngineV1"))).to.equal(
        EVM_ERROR_CODES.NO_STORAGE_LAYOUT_OUTPUT,
      );
    });

    it("names an abstract contract or an interface as such, as --old, --new or in a reference build", async () => {
      const context = await sourceContext();
      for (const request of [
        { proxies: [], old: "AbstractHazard", newContracts: ["AegisEngineV2"] },
        { proxies: [], old: "AegisEngineV1", newContracts: ["IERC20"] },
      ]) {
        let message = "";
        const code = await codeOf(() =>
          resolveLayoutTargets(context, request).catch((error: Error) => {
            message = `${error.message} ${(error as { hint?: string }).hint}`;
            throw error;
          }),
        );
        expect(code).to.equal(EVM_ERROR_CODES.ABSTRACT_CONTRACT);
        expect(message).to.contain("abstract: name a deployable contract");
      }
      const info = await hre.artifacts.getBuildInfo(
        "contracts/test/LayoutHazards.sol:AbstractHazard",
      );
      const file = path.join(tmp, "abstract.json");
      fs.writeFileSync(file, JSON.stringify(info));
      expect(await codeOf(() => referenceBuildVersion(file, "AbstractHazard"))).to.equal(
        EVM_ERROR_CODES.ABSTRACT_CONTRACT,
      );
    });
  });

  describe("each hazard named for what it is", () => {
    // Wording of OpenZeppelin's report and its internal operation names: never in ours.
    const foreign = [
      "Keep the variable even if unused",
      "New variables should be placed",
      "Bad storage gap",
      "Set __gap array",
      "array shrink",
      "layoutchange",
      "typechange",
      "oz-renamed-from",
    ];
    const assertOwnWording = (target: TargetReport) => {
      for (const finding of target.findings) {
        for (const phrase of foreign) {
          expect(`${finding.message} ${finding.hint}`).not.to.contain(phrase);
        }
      }
    };

    it("a gap resized wrongly: LAYOUT-007 with the length that keeps what follows in place", async () => {
      const target = await compare("GapV1", "GapV2");
      expect(target.pass).to.equal(false);
      const [gap, ...rest] = layoutFindings(target);
      expect(rest).to.deep.equal([]);
      expect(gap!.code).to.equal("LAYOUT-007");
      expect(gap!.finding).to.deep.include({ requiredLength: 8, moved: ["tail"] });
      expect(gap!.message).to.contain("it must have 8 elements");
      expect(gap!.hint).to.match(/^declare it as uint256\[8\] __gap:/);
      assertOwnWording(target);
    });

    it("variables reordered: one move with the old and the new order, no rename hint", async () => {
      const target = await compare("OrderV1", "OrderV2");
      const findings = layoutFindings(target);
      expect(findings.map((f) => f.code)).to.deep.equal(["LAYOUT-011"]);
      expect(findings[0]!.finding).to.deep.include({
        contract: "OrderV1",
        before: ["supply", "keeper", "open"],
        after: ["keeper", "supply", "open"],
      });
      expect(findings[0]!.hint).to.contain(
        "declare them in their old order (supply, keeper, open)",
      );
      expect(target.rows.filter((row) => row.verdict === "conflict")).to.have.length(3);
      assertOwnWording(target);
    });

    it("parents whose inheritance order changed: named with the old and the new order", async () => {
      const target = await compare("ParentsV1", "ParentsV2");
      const findings = layoutFindings(target);
      expect(findings.map((f) => f.code)).to.deep.equal(["LAYOUT-012"]);
      expect(findings[0]!.finding).to.deep.include({
        before: ["HazardA", "HazardB"],
        after: ["HazardB", "HazardA"],
      });
      expect(findings[0]!.hint).to.contain("storage stays HazardA, HazardB");
      assertOwnWording(target);
    });

    it("linear variables moved into a namespace: the reinitializer that copies them is the hint", async () => {
      const target = await compare("LinearV1", "NamespacedV2");
      const findings = layoutFindings(target);
      expect(findings.map((f) => f.code)).to.deep.equal(["LAYOUT-013"]);
      expect(findings[0]!.message).to.equal(
        "moved total, keeper of LinearV1 from linear slots 0, 1 into erc7201:aegis.test.Moved " +
          "without copying their values: the namespace starts empty and the values stay behind",
      );
      expect(findings[0]!.hint).to.contain(
        "function migrateStorage() external reinitializer(<next version>) " +
          "{ $.total = __deprecated_total; $.keeper = __deprecated_keeper; }",
      );
      assertOwnWording(target);
    });

    it("keeps OpenZeppelin's verdict on the existing broken variants, in its own words", async () => {
      const retyped = await compare("AegisEngineV1", "AegisEngineV2Retyped");
      expect(layoutFindings(retyped).map((f) => f.code)).to.deep.equal(["LAYOUT-005"]);
      const inserted = await compare("AegisEngineV1", "AegisEngineV2InsertedVariable");
      expect(layoutFindings(inserted).map((f) => f.code)).to.include("LAYOUT-001");
      for (const target of [retyped, inserted]) assertOwnWording(target);
    });
  });

  describe("raw storage access, checked against the layout", () => {
    const ROLE_SLOT = ethers.toBeHex(BigInt(ethers.id("aegis.test.role")) - 1n, 32);
    const RAW_NAMESPACE = "0xa898fc5d036b0c824a69eb3459a7dd25a23d1fa30f43ffe7942ff8a626562700";

    it("collisions through assembly (sstore, .slot), through StorageSlot, and between two raw accesses", async () => {
      const target = await compare("RawBase", "RawCollidingV2");
      expect(target.pass).to.equal(false);
      // Same layout on both sides: OpenZeppelin's comparison sees nothing wrong.
      expect(target.openZeppelinPass).to.equal(true);
      const raw = target.findings.filter((f) => f.code === "LAYOUT-014");
      expect(raw.map((f) => f.message)).to.deep.equal([
        "raw storage access sstore of RawCollidingV2 (contracts/test/LayoutHazards.sol:126) " +
          `reaches slot ${ethers.toBeHex(1, 32)}, which the variable RawBase.owner (address, ` +
          "slot 1) also uses: one overwrites the other",
        "raw storage access getUint256Slot of RawCollidingV2 through RawCollidingV2.LEVEL_ALIAS " +
          `(contracts/test/LayoutHazards.sol:131) reaches slot ${RAW_NAMESPACE}, which the ` +
          `variable RawBase.level (uint256, erc7201:aegis.test.Raw slot ${RAW_NAMESPACE}) also ` +
          "uses: one overwrites the other",
        "raw storage access getAddressSlot of RawCollidingV2 through RawCollidingV2.ROLE_SLOT " +
          `(contracts/test/LayoutHazards.sol:135) reaches slot ${ROLE_SLOT}, which the raw ` +
          "access RawCollidingV2.GUARDIAN_SLOT at contracts/test/LayoutHazards.sol:153 also " +
          "uses: one overwrites the other",
        "raw storage access sload of RawCollidingV2 through RawCollidingV2.GUARDIAN_SLOT " +
          `(contracts/test/LayoutHazards.sol:153) reaches slot ${ROLE_SLOT}, which the raw ` +
          "access RawCollidingV2.ROLE_SLOT at contracts/test/LayoutHazards.sol:135 also uses: " +
          "one overwrites the other",
        "raw storage access .slot := of RawCollidingV2 (contracts/test/LayoutHazards.sol:145) " +
          `reaches slot ${ethers.toBeHex(0, 32)}, which the variable RawBase.counter (uint256, ` +
          "slot 0) also uses: one overwrites the other",
      ]);
      expect(raw.every((f) => f.severity === "conflict")).to.equal(true);
      expect(raw[0]!.hint).to.contain("give the raw access a slot of its own");
      expect(target.rawStorage?.map((access) => access.verdict)).to.deep.equal([
        "collision",
        "collision",
        "collision",
        "collision",
        "collision",
      ]);
    });

    it("a safe raw slot is listed, an uncomputable one is a warning, and neither fails", async () => {
      const target = await compare("RawBase", "RawSafeV2");
      expect(target.pass).to.equal(true);
      const raw = target.findings.filter((f) => /^LAYOUT-01[4-6]$/.test(f.code));
      expect(raw.map((f) => [f.code, f.severity])).to.deep.equal([
        ["LAYOUT-015", "warning"],
        ["LAYOUT-016", "info"],
      ]);
      expect(raw[0]!.message).to.equal(
        "raw storage access sstore of RawSafeV2 (contracts/test/LayoutHazards.sol:111): its " +
          "slot cannot be computed from constants (slot, a value known only at run time)",
      );
      expect(raw[1]!.message).to.contain(`RawSafeV2.ROLE_SLOT`);
      expect(raw[1]!.message).to.contain(`uses slot ${ROLE_SLOT}, which no declared variable`);
      const markdown = emitLayoutReport(assembleLayoutReport([target]), { json: false }).stdout;
      expect(markdown).to.contain("### Raw storage access (new version)");
      expect(markdown).to.contain(
        `| outside-layout | RawSafeV2 | getAddressSlot | \`${ROLE_SLOT}\``,
      );
    });

    it("finds no raw access in the reference protocol: namespace accessors are not raw", async () => {
      const target = await compare("AegisEngineV1", "AegisEngineV2");
      expect(target.rawStorage).to.deep.equal([]);
      const namespaced = await compare("LinearV1", "NamespacedV2");
      expect(namespaced.rawStorage).to.deep.equal([]);
    });
  });

  describe("live mode, as complete as build mode", () => {
    it("compares the ABI of the recorded contract, or says in a caveat that it could not", async () => {
      const { record, deploymentsDir } = await loadFixture(deploySeededProtocol);
      const context = { ...(await sourceContext()), deploymentsDir, networkName: "hardhat" };
      const live = {
        reader: createStorageReader(hre.network.provider),
        blockNumber: await hre.ethers.provider.getBlockNumber(),
      };
      const request = { proxies: ["AegisEngine"], newContracts: ["AegisEngineV2Retyped"] };
      const [target] = await resolveLayoutTargets(context, request, live);
      const report = await buildTargetReport(target!);
      expect(report.proxy).to.equal(record.proxy);
      expect(report.current.layoutSource).to.equal("project-record");
      expect(report.caveats).to.equal(undefined);
      // The live V1's ABI from the build against the new one: borrowedL's getter changed type.
      expect(report.findings.map((f) => f.code)).to.include.members(["LAYOUT-005", "ABI-002"]);

      // A record whose contract the build no longer has: the layout still compares, the ABI not.
      const file = deploymentRecordPath(deploymentsDir, "hardhat", "AegisEngine");
      const saved = fs.readFileSync(file, "utf8");
      try {
        const json = JSON.parse(saved) as { current: { contract: string } };
        json.current.contract = "AegisEngineRetired";
        fs.writeFileSync(file, JSON.stringify(json));
        const [stale] = await resolveLayoutTargets(context, request, live);
        const staleReport = await buildTargetReport(stale!);
        expect(staleReport.findings.map((f) => f.code)).to.deep.equal(["LAYOUT-005"]);
        expect(staleReport.caveats).to.deep.equal([
          "ABI changes are not compared: the record's contract AegisEngineRetired is no longer " +
            "in this build (the record keeps its layout, not its ABI)",
        ]);
        expect(renderLayoutMarkdown(assembleLayoutReport([staleReport]))).to.contain(
          "- caveat: ABI changes are not compared",
        );
      } finally {
        fs.writeFileSync(file, saved);
      }
    });

    it("names a target given by its proxy address once in its heading", async () => {
      const { record } = await loadFixture(deploySeededProtocol);
      const target = await compare("AegisEngineV1", "AegisEngineV2");
      const byAddress = { ...target, name: record.proxy, proxy: record.proxy };
      const byName = { ...target, name: "AegisEngine", proxy: record.proxy };
      const markdown = renderLayoutMarkdown(assembleLayoutReport([byAddress, byName]));
      expect(markdown).to.contain(`\n## ${record.proxy}\n`);
      expect(markdown).to.contain(`\n## AegisEngine (${record.proxy})\n`);
    });
  });
});
