// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PausableTokenUupsV1} from "./PausableTokenUupsV1.sol";

/// @title The next version of PausableTokenUupsV1 (tests only): appends a fee and its reinitializer
/// @custom:oz-upgrades-unsafe-allow missing-initializer constructor
contract PausableTokenUupsV2 is PausableTokenUupsV1 {
    uint256 public feeBps;

    function initializeV2(uint256 feeBps_) external reinitializer(2) {
        feeBps = feeBps_;
    }
}
