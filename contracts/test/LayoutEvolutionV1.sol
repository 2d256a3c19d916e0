// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title TESTS ONLY: the first version of a layout that a compatible V2 renames, retypes and
/// grows into its gap
contract LayoutEvolutionV1 {
    uint256 public alpha;
    bool public enabled;
    uint256 public beta;
    uint256[10] private __gap;
}
