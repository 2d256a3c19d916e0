// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title The AEGIS engine's own state, in plain (linear) storage
/// @dev Kept apart from the logic so that a test variant can pair the same linear state with a
/// different namespaced parent. New versions append after `vaultCount`; nothing is ever inserted.
abstract contract AegisEngineStorage {
    struct Vault {
        uint256 idle0; // collateral in token0
        uint256 idle1; // collateral in token1
        uint256 principal; // b_v, in L-units scaled by the multiplier M
    }

    IERC20 public token0;
    IERC20 public token1;
    /// @notice Token reserves x and y that back the liquidity L (collateral is held apart).
    uint256 public reserve0;
    uint256 public reserve1;
    /// @notice L: liquidity the engine holds, in L-units.
    uint256 public liquidity;
    /// @notice B_L: borrowers' principal, summed, in L-units.
    uint256 public borrowedL;
    /// @notice M: interest multiplier, WAD.
    uint256 public interestMultiplier;
    uint256 public lastAccrual;
    mapping(address vault => Vault) public vaults;
    uint256 public vaultCount;
}
