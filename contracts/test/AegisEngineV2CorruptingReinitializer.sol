// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AegisEngineV2} from "../AegisEngineV2.sol";

/// @title BROKEN (tests only): a reinitializer that corrupts the interest multiplier M
/// @dev Its layout is V2's, so every layout check passes; only the invariants can catch it
/// (the share price jumps by 1% and vaults near the LTV limit go over it).
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineV2CorruptingReinitializer is AegisEngineV2 {
    function initializeV2(uint256 featureEnabled) public override reinitializer(2) {
        newFeatureEnabled = featureEnabled;
        interestMultiplier += interestMultiplier / 100;
    }
}
