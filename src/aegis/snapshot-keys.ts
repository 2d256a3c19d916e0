/**
 * What a storage snapshot of the AEGIS engine needs beyond its layout: where the keys of its
 * mappings come from (lenders from share Transfers, vaults from VaultOpened, roles from
 * RoleGranted), and which changes an upgrade to V2 is expected to make.
 */
import type { KeySource, MappingKeys } from "../evm/storage/mapping-keys";
import type { ExpectedChange } from "../evm/storage/snapshot-diff";
import {
  IMPLEMENTATION_PATH,
  INITIALIZED_PATH,
  PAUSED_PATH,
} from "../evm/upgrade/upgrade-storage-paths";

const ERC20 = "erc7201:openzeppelin.storage.ERC20";
const ACCESS_CONTROL = "erc7201:openzeppelin.storage.AccessControl";

/** Events of the engine whose arguments are the keys of its mappings. */
export const AEGIS_KEY_SOURCES: KeySource[] = [
  {
    mapping: `${ERC20}:_balances`,
    event: "event Transfer(address indexed from, address indexed to, uint256 value)",
    args: ["from", "to"],
    skipZero: true,
  },
  {
    mapping: `${ERC20}:_allowances`,
    event: "event Approval(address indexed owner, address indexed spender, uint256 value)",
    args: ["owner"],
  },
  {
    mapping: `${ERC20}:_allowances[*]`,
    event: "event Approval(address indexed owner, address indexed spender, uint256 value)",
    args: ["spender"],
  },
  { mapping: "vaults", event: "event VaultOpened(address indexed vault)", args: ["vault"] },
  {
    mapping: `${ACCESS_CONTROL}:_roles`,
    event:
      "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
    args: ["role"],
  },
  {
    mapping: `${ACCESS_CONTROL}:_roles[*].hasRole`,
    event:
      "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
    args: ["account"],
  },
];

/** Keys known without events: the default admin role always exists. */
export const AEGIS_CONFIGURED_KEYS: MappingKeys = {
  [`${ACCESS_CONTROL}:_roles`]: [`0x${"00".repeat(32)}`],
};

/**
 * Changes an upgrade of the engine is expected to make: the implementation slot, the initializer
 * version, the pause flag (paused for the upgrade), and every variable the new version appends.
 */
export function aegisUpgradeExpectedChanges(appendedPaths: string[]): ExpectedChange[] {
  return [
    { path: IMPLEMENTATION_PATH, reason: "the proxy points at the new implementation" },
    { path: INITIALIZED_PATH, reason: "the reinitializer raises the initialized version" },
    { path: PAUSED_PATH, reason: "the engine is paused around the upgrade" },
    ...appendedPaths.map((path) => ({ path, reason: "appended by the new implementation" })),
  ];
}
