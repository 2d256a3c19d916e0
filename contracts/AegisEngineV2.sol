// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AegisEngineV1} from "./AegisEngineV1.sol";

/// @title AEGIS engine V2: V1 plus a per-deposit cap, switched on by a reinitializer
/// @dev The validator looks for an initializer declared in this contract; V1's `initialize` is
/// inherited and `initializeV2` is a reinitializer, hence the missing-initializer annotation.
/// @custom:oz-upgrades-from AegisEngineV1
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract AegisEngineV2 is AegisEngineV1 {
    /// @notice Largest deposit accepted while the feature is on, in L-units.
    uint256 public constant MAX_DEPOSIT_L = 1_000_000e18;

    /// @notice Appended after every V1 variable; non-zero turns the deposit cap on.
    uint256 public newFeatureEnabled;

    error DepositAboveCap(uint256 deltaL, uint256 cap);

    function initializeV2(uint256 featureEnabled) public virtual reinitializer(2) {
        newFeatureEnabled = featureEnabled;
    }

    function version() external pure virtual returns (uint256) {
        return 2;
    }

    function deposit(uint256 deltaL) public virtual override returns (uint256 shares) {
        if (newFeatureEnabled != 0 && deltaL > MAX_DEPOSIT_L)
            revert DepositAboveCap(deltaL, MAX_DEPOSIT_L);
        return super.deposit(deltaL);
    }
}
