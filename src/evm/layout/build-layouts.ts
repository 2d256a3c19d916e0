/**
 * Storage layouts of contracts in the project's build, by contract name, with the coded errors a
 * user meets for a name the build does not have or a build without storage layout output.
 */
import {
  getStorageLayout,
  getVersion,
  type StorageLayout,
  type ValidationData,
} from "@openzeppelin/upgrades-core";
import { UnknownContractError } from "../errors";
import { AbstractContractError, NoStorageLayoutOutputError } from "../layout-errors";

/** Compiled contracts, as Hardhat's `hre.artifacts` offers them. */
export interface ArtifactReader {
  readArtifact(
    name: string,
  ): Promise<{ contractName: string; sourceName: string; bytecode: string; abi: unknown[] }>;
  getAllFullyQualifiedNames(): Promise<string[]>;
}

/** A contract of the build with its layout and ABI. */
export interface BuiltContract {
  name: string;
  sourceName: string;
  bytecode: string;
  abi: unknown[];
  layout: StorageLayout;
}

/**
 * Reads a contract by name; throws AEGIS-E306 (unknown name), AEGIS-E357 (abstract contract or
 * interface: no bytecode, so no layout is keyed by it) or AEGIS-E321 (no layout output).
 */
export async function readBuiltContract(
  artifacts: ArtifactReader,
  validations: ValidationData,
  name: string,
): Promise<BuiltContract> {
  let artifact: Awaited<ReturnType<ArtifactReader["readArtifact"]>>;
  try {
    artifact = await artifacts.readArtifact(name);
  } catch {
    throw new UnknownContractError(name, await suggest(artifacts, name));
  }
  if (artifact.bytecode === "0x" || artifact.bytecode === "") {
    throw new AbstractContractError(artifact.contractName, artifact.sourceName);
  }
  let layout: StorageLayout;
  try {
    layout = getStorageLayout(validations, getVersion(artifact.bytecode));
  } catch {
    throw new NoStorageLayoutOutputError("artifacts/build-info", name);
  }
  if (layout.storage.some((item) => item.slot === undefined)) {
    throw new NoStorageLayoutOutputError("artifacts/build-info", name);
  }
  return {
    name: artifact.contractName,
    sourceName: artifact.sourceName,
    bytecode: artifact.bytecode,
    abi: artifact.abi,
    layout,
  };
}

async function suggest(artifacts: ArtifactReader, name: string): Promise<string[]> {
  const lower = name.toLowerCase();
  const names = (await artifacts.getAllFullyQualifiedNames()).map((fqn) => fqn.split(":").pop()!);
  return [...new Set(names)]
    .filter((candidate) => {
      const other = candidate.toLowerCase();
      return other.includes(lower.slice(0, 6)) || lower.includes(other);
    })
    .slice(0, 5);
}
