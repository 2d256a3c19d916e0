// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {AegisRiskParams} from "../AegisRiskParams.sol";
import {AegisEngineStorageRetyped} from "./AegisEngineStorageRetyped.sol";

/// @title BROKEN (tests only): V1's storage with one variable's type changed
/// @dev Storage only: layout validation rejects it before anything could run its logic.
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineV2Retyped is
    Initializable,
    ERC20Upgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    AegisRiskParams,
    AegisEngineStorageRetyped
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
