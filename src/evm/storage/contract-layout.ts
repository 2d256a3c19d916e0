/** A compiled contract's storage layout, taken from OpenZeppelin's validation data. */
import { createHash } from "node:crypto";
import {
  getStorageLayout,
  getVersion,
  type StorageLayout,
  type ValidationData,
} from "@openzeppelin/upgrades-core";

/** A contract's layout with what identifies where it came from. */
export interface ContractLayout {
  contract: string;
  solcVersion: string;
  storageLayoutHash: string;
  storage: StorageLayout;
}

/** Looks up the layout of the contract whose creation bytecode is given. */
export function layoutOfBytecode(
  validations: ValidationData,
  contractName: string,
  bytecode: string,
): ContractLayout {
  const storage = getStorageLayout(validations, getVersion(bytecode));
  return {
    contract: contractName,
    solcVersion: storage.solcVersion ?? "unknown",
    storageLayoutHash: hashLayout(storage),
    storage,
  };
}

/** A hash of what decides where values live: labels, types, slots, offsets and namespaces. */
export function hashLayout(layout: StorageLayout): string {
  const essential = {
    storage: layout.storage.map(({ contract, label, type, slot, offset }) => ({
      contract,
      label,
      type,
      slot,
      offset,
    })),
    namespaces: Object.fromEntries(
      Object.entries(layout.namespaces ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, items]) => [
          id,
          items.map(({ label, type, slot, offset }) => ({ label, type, slot, offset })),
        ]),
    ),
  };
  return `0x${createHash("sha256").update(JSON.stringify(essential)).digest("hex")}`;
}
