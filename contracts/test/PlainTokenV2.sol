// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PlainTokenV1} from "./PlainTokenV1.sol";

/// @title The next version of PlainTokenV1 (tests only): appends a fee and its reinitializer
/// @custom:oz-upgrades-unsafe-allow missing-initializer constructor
contract PlainTokenV2 is PlainTokenV1 {
    uint256 public feeBps;

    function initializeV2(uint256 feeBps_) external reinitializer(2) {
        feeBps = feeBps_;
    }
}
