/**
 * Snapshot paths of the stored values an upgrade legitimately changes on an OpenZeppelin v5
 * proxy: named once, for the checklist's storage diff, the rehearsal's way-back check and the
 * presets.
 */

/** The EIP-1967 implementation slot: the proxy points at the new implementation. */
export const IMPLEMENTATION_PATH = "eip1967.implementation";
/** Initializable's version: a reinitializer raises it. */
export const INITIALIZED_PATH = "erc7201:openzeppelin.storage.Initializable:_initialized";
/** Pausable's flag: the protocol is paused around the upgrade. */
export const PAUSED_PATH = "erc7201:openzeppelin.storage.Pausable:_paused";
