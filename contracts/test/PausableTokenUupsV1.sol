// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {PausableTokenV1} from "./PausableTokenV1.sol";

/// @title PausableTokenV1 behind a UUPS proxy (tests only): its owner may upgrade it
/// @dev Its initializer is PausableTokenV1's, inherited (hence the missing-initializer annotation).
/// @custom:oz-upgrades-unsafe-allow missing-initializer constructor
contract PausableTokenUupsV1 is PausableTokenV1, UUPSUpgradeable {
    function _authorizeUpgrade(address) internal override onlyOwner {}
}
