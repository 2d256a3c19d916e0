// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title TESTS ONLY: a compatible successor of LayoutEvolutionV1
/// @dev `alpha` is renamed, `enabled` retyped to a same-size type, and two new variables take
/// their room from the gap, which shrinks by two.
contract LayoutEvolutionV2 {
    /// @custom:oz-renamed-from alpha
    uint256 public first;
    /// @custom:oz-retyped-from bool
    uint8 public enabled;
    uint256 public beta;
    uint256 public gamma;
    uint256 public delta;
    uint256[8] private __gap;

    function setBeta(uint256 value) external {
        beta = value;
    }
}
