import { ethers } from "ethers";
import { defineStep } from "../../../core/plan-types";
import { sendTransaction } from "../../chain/transaction-effect";
import { stopUnless } from "./invariant-verdicts";
import type { PlanEnv } from "./plan-env";

/** Deploys the new implementation, or reuses an identical one the record already lists. */
export function deployImplementationStep({ input, deps, readRecord }: PlanEnv) {
  const { provider, signer } = deps;
  return defineStep({
    id: "deploy-implementation",
    title: `deploy ${input.to.contract} (or reuse an identical one)`,
    phase: "prepare",
    changesTarget: true,
    undo: {
      irreversible:
        "a deployed implementation stays on chain; after a rollback nothing points at it",
    },
    describe: () =>
      `deploy ${input.to.contract} (creation code ${input.to.creationBytecodeHash.slice(0, 10)}…) unless the record lists an identical one`,
    async run(ctx) {
      if (ethers.keccak256(deps.toCreationBytecode) !== input.to.creationBytecodeHash) {
        throw new Error(
          `the build's ${input.to.contract} no longer matches the plan's creation code`,
        );
      }
      const known = readRecord().implementations.find(
        (entry) => entry.creationBytecodeHash === input.to.creationBytecodeHash,
      );
      if (
        known &&
        ethers.keccak256(await provider.getCode(known.address)) === known.runtimeCodeHash
      ) {
        return { address: known.address, reused: true, runtimeCodeHash: known.runtimeCodeHash };
      }
      const tx = await sendTransaction(ctx, "create-tx", signer, {
        label: `create ${input.to.contract}`,
        data: deps.toCreationBytecode,
      });
      const address = ethers.getAddress(tx.contractAddress as string);
      return {
        address,
        reused: false,
        runtimeCodeHash: ethers.keccak256(await provider.getCode(address)),
        tx,
      };
    },
    async verify({ result }) {
      const code = await provider.getCode(result.address);
      return stopUnless(
        code !== "0x" && ethers.keccak256(code) === result.runtimeCodeHash,
        { address: result.address, reused: result.reused, runtimeCodeHash: result.runtimeCodeHash },
        `no code at ${result.address}`,
      );
    },
  });
}
