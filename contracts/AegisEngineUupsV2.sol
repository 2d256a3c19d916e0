// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {AegisEngineV2} from "./AegisEngineV2.sol";

/// @title AEGIS engine V2 behind a UUPS proxy
/// @custom:oz-upgrades-from AegisEngineUupsV1
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineUupsV2 is AegisEngineV2, UUPSUpgradeable {
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
