// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title BROKEN (tests only): a namespace annotation whose id does not match its slot constant
/// @dev The constant is the ERC-7201 slot of `aegis.test.Elsewhere`, not of the annotated id, so
/// the compiler's layout and the code disagree about where the struct lives.
contract MismatchedNamespace {
    /// @custom:storage-location erc7201:aegis.test.Mismatched
    struct MismatchedStorage {
        uint256 value;
    }

    // keccak256(abi.encode(uint256(keccak256("aegis.test.Elsewhere")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant MISMATCHED_STORAGE_LOCATION =
        0xc29bc2eb43ba07afb0f5f2a1b97e50b7072b1ca178f7e571d0e137d833695f00;

    function _store() private pure returns (MismatchedStorage storage $) {
        assembly {
            $.slot := MISMATCHED_STORAGE_LOCATION
        }
    }

    function value() external view returns (uint256) {
        return _store().value;
    }
}
