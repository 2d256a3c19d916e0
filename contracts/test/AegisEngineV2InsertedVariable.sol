// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AegisEngineV1} from "../AegisEngineV1.sol";

abstract contract InsertedVariableBase {
    uint256 public insertedBeforeEverything;
}

/// @title BROKEN (tests only): inserts a variable before every existing one
/// @dev Listing the base first makes its variable take slot 0, so every V1 variable moves down a
/// slot: L would be read from where token1 lived. Layout validation must reject it.
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineV2InsertedVariable is InsertedVariableBase, AegisEngineV1 {
    uint256 public newFeatureEnabled;

    function initializeV2(uint256 featureEnabled) external reinitializer(2) {
        newFeatureEnabled = featureEnabled;
    }
}
