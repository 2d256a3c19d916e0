// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PausableTokenV1} from "./PausableTokenV1.sol";

/// @title The next version of PausableTokenV1 (tests only): appends a fee and its reinitializer
/// @custom:oz-upgrades-unsafe-allow missing-initializer constructor
contract PausableTokenV2 is PausableTokenV1 {
    uint256 public feeBps;

    function initializeV2(uint256 feeBps_) external reinitializer(2) {
        feeBps = feeBps_;
    }

    function version() external pure returns (string memory) {
        return "2";
    }
}
