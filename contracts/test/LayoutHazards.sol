// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StorageSlot} from "@openzeppelin/contracts/utils/StorageSlot.sol";

// TESTS ONLY: one small V1/V2 pair per storage hazard the layout report must name exactly, in
// one file so that they add a single compile unit.

/// A gap resized wrongly: V2 declares two variables in the parent but shrinks its gap by one, so
/// the child's `tail` moves down a slot (the gap must have 8 elements).
contract GapParentV1 {
    uint256 internal a;
    uint256[10] private __gap;
}

contract GapV1 is GapParentV1 {
    uint256 public tail;
}

contract GapParentV2 {
    uint256 internal a;
    uint256 internal b;
    uint256 internal c;
    uint256[9] private __gap;
}

contract GapV2 is GapParentV2 {
    uint256 public tail;
}

/// Variables reordered: the same three variables, `supply` and `keeper` swapped.
contract OrderV1 {
    uint256 public supply;
    address public keeper;
    bool public open;
}

contract OrderV2 {
    address public keeper;
    uint256 public supply;
    bool public open;
}

/// Parents whose inheritance order changed: HazardA's and HazardB's variables swap slots.
contract HazardA {
    uint256 internal fromA;
}

contract HazardB {
    uint256 internal fromB;
}

contract ParentsV1 is HazardA, HazardB {}

contract ParentsV2 is HazardB, HazardA {}

/// Linear variables moved into an ERC-7201 namespace: their values stay in slots 0 and 1.
contract LinearV1 {
    uint256 public total;
    address public keeper;
}

contract NamespacedV2 {
    /// @custom:storage-location erc7201:aegis.test.Moved
    struct MovedStorage {
        uint256 total;
        address keeper;
    }

    // keccak256(abi.encode(uint256(keccak256("aegis.test.Moved")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant MOVED_LOCATION =
        0x8012e03c343a1f6a463f9d6fbc067aa4ad2784c1a20fac1b1180b3751625b400;

    function _moved() private pure returns (MovedStorage storage $) {
        assembly {
            $.slot := MOVED_LOCATION
        }
    }

    function total() external view returns (uint256) {
        return _moved().total;
    }
}

/// Raw storage access: a base with linear and namespaced variables, and two successors that
/// reach storage outside their declared variables.
contract RawBase {
    uint256 public counter;
    address public owner;

    /// @custom:storage-location erc7201:aegis.test.Raw
    struct RawStorage {
        uint256 level;
    }

    // keccak256(abi.encode(uint256(keccak256("aegis.test.Raw")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant RAW_LOCATION =
        0xa898fc5d036b0c824a69eb3459a7dd25a23d1fa30f43ffe7942ff8a626562700;
}

/// Safe: an EIP-1967-style slot no variable uses, and a slot only known at run time.
contract RawSafeV2 is RawBase {
    bytes32 private constant ROLE_SLOT = bytes32(uint256(keccak256("aegis.test.role")) - 1);

    function setRole(address who) external {
        StorageSlot.getAddressSlot(ROLE_SLOT).value = who;
    }

    function put(bytes32 slot, uint256 value) external {
        assembly {
            sstore(slot, value)
        }
    }
}

/// Colliding: assembly over `owner`, a `.slot` pointer over `counter`, StorageSlot over the
/// namespaced `level`, and two constants that name the same slot.
contract RawCollidingV2 is RawBase {
    bytes32 private constant LEVEL_ALIAS =
        keccak256(abi.encode(uint256(keccak256("aegis.test.Raw")) - 1)) & ~bytes32(uint256(0xff));
    bytes32 private constant ROLE_SLOT = bytes32(uint256(keccak256("aegis.test.role")) - 1);
    bytes32 private constant GUARDIAN_SLOT = bytes32(uint256(keccak256("aegis.test.role")) - 1);

    function poke(uint256 value) external {
        assembly {
            sstore(1, value)
        }
    }

    function setLevel(uint256 value) external {
        StorageSlot.getUint256Slot(LEVEL_ALIAS).value = value;
    }

    function setRole(address who) external {
        StorageSlot.getAddressSlot(ROLE_SLOT).value = who;
    }

    struct Tally {
        uint256 value;
    }

    function tally() external view returns (uint256) {
        Tally storage t;
        assembly {
            t.slot := 0
        }
        return t.value;
    }

    function guardian() external view returns (address who) {
        bytes32 slot = GUARDIAN_SLOT;
        assembly {
            who := sload(slot)
        }
    }
}

/// An abstract contract: it has a layout but cannot be deployed behind a proxy.
abstract contract AbstractHazard {
    uint256 internal value;

    function run() external virtual;
}
