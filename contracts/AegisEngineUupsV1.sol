// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {AegisEngineV1} from "./AegisEngineV1.sol";

/// @title AEGIS engine V1 behind a UUPS proxy: the upgrade right is the engine's admin role
/// @dev The same engine as AegisEngineV1; only where the upgrade authority lives differs, so the
/// checklist is proven on both proxy kinds. Its initializer is V1's, inherited (hence the
/// missing-initializer annotation).
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineUupsV1 is AegisEngineV1, UUPSUpgradeable {
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
