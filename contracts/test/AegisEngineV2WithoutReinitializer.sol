// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AegisEngineV1} from "../AegisEngineV1.sol";

/// @title BROKEN (tests only): V2 whose initializeV2 lacks `reinitializer(2)`
/// @dev Anyone can call it, any number of times, and the initializer version stays at 1.
/// (V1's `initialize` is inherited; the annotation tells the validator so.)
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineV2WithoutReinitializer is AegisEngineV1 {
    uint256 public newFeatureEnabled;

    function initializeV2(uint256 featureEnabled) external {
        newFeatureEnabled = featureEnabled;
    }
}
