import { expect } from "chai";
import hre from "hardhat";
import {
  closestCandidates,
  codeLengthWithoutMetadata,
  pushedSelectors,
  sameRuntimeCode,
  sameRuntimeLength,
  type RuntimeCandidate,
} from "../../../src/evm/chain/bytecode-identity";
import { ethers } from "ethers";

/** A contract's runtime code from the build, with the positions of its immutables. */
async function compiled(name: string): Promise<RuntimeCandidate> {
  const artifact = await hre.artifacts.readArtifact(name);
  const fqn = `${artifact.sourceName}:${artifact.contractName}`;
  const info = await hre.artifacts.getBuildInfo(fqn);
  const references =
    info?.output.contracts[artifact.sourceName]?.[artifact.contractName]?.evm.deployedBytecode
      .immutableReferences ?? {};
  return {
    fullyQualifiedName: fqn,
    contractName: artifact.contractName,
    deployedBytecode: artifact.deployedBytecode,
    masked: Object.values(references).flat(),
  };
}

describe("bytecode identity", () => {
  it("matches a deployed contract with its artifact only once its immutables are masked", async () => {
    // UUPSUpgradeable keeps its own address in an immutable: the chain's code differs there.
    const uups = await compiled("PausableTokenUupsV1");
    expect(uups.masked.length).to.be.greaterThan(0);
    const contract = await hre.ethers.deployContract("PausableTokenUupsV1");
    const deployed = await hre.ethers.provider.getCode(await contract.getAddress());
    expect(deployed).to.not.equal(uups.deployedBytecode);
    expect(sameRuntimeCode(deployed, uups.deployedBytecode, [])).to.equal(false);
    expect(sameRuntimeCode(deployed, uups.deployedBytecode, uups.masked)).to.equal(true);
  });

  it("ignores the metadata trailer, and nothing else", async () => {
    const token = await compiled("PausableTokenV1");
    const code = ethers.getBytes(token.deployedBytecode);
    const end = codeLengthWithoutMetadata(code);
    expect(end).to.be.lessThan(code.length);
    expect(code[end]).to.be.within(0xa1, 0xa5);
    // Another source hash in the metadata: the same program.
    const otherMetadata = ethers.hexlify(
      code.map((byte, i) => (i > end + 10 && i < code.length - 2 ? 0x42 : byte)),
    );
    expect(sameRuntimeCode(otherMetadata, token.deployedBytecode, [])).to.equal(true);
    // One byte more after the metadata: no trailer can be found, the lengths differ.
    expect(sameRuntimeLength(`${token.deployedBytecode}fe`, token.deployedBytecode)).to.equal(
      false,
    );
    expect(sameRuntimeCode(`${token.deployedBytecode}fe`, token.deployedBytecode, [])).to.equal(
      false,
    );
    // One byte of code changed: another program.
    const changed = ethers.hexlify(code.map((byte, i) => (i === 40 ? byte ^ 1 : byte)));
    expect(sameRuntimeCode(changed, token.deployedBytecode, [])).to.equal(false);
  });

  it("finds the dispatched selectors and ranks the closest candidates first", async () => {
    const v1 = await compiled("PausableTokenV1");
    const v2 = await compiled("PausableTokenV2");
    const plain = await compiled("PlainTokenV1");
    const selectors = pushedSelectors(v1.deployedBytecode);
    const iface = new ethers.Interface((await hre.artifacts.readArtifact("PausableTokenV1")).abi);
    iface.forEachFunction((fragment) =>
      expect(selectors.has(fragment.selector), fragment.name).to.equal(true),
    );

    const altered = `${v1.deployedBytecode}fe`;
    const ranked = closestCandidates(altered, [plain, v2, v1], 2);
    expect(ranked.map((score) => score.contractName)).to.deep.equal([
      "PausableTokenV1",
      "PausableTokenV2",
    ]);
    expect(ranked[0]!.selectorsShared).to.equal(1);
    expect(ranked[1]!.selectorsShared).to.be.lessThan(1);
  });
});
