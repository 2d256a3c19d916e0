// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {AegisRiskParamsMoved} from "./AegisRiskParamsMoved.sol";
import {AegisEngineStorage} from "../AegisEngineStorage.sol";

/// @title BROKEN (tests only): V1's risk parameters moved to another ERC-7201 base slot
/// @dev The values stay at the old base slot, so V2 would read a zero rate. Storage only.
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineV2MovedNamespace is
    Initializable,
    ERC20Upgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    AegisRiskParamsMoved,
    AegisEngineStorage
{
    uint256 public newFeatureEnabled;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initializeV2(uint256 featureEnabled) external reinitializer(2) {
        newFeatureEnabled = featureEnabled;
    }
}
