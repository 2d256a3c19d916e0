// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title TESTS ONLY: every kind of storage a snapshot must decode
/// @dev Packed value types, enums, fixed and dynamic arrays, short and long strings and bytes,
/// structs (nested, in arrays, in mappings), nested mappings with value, bytes32 and string keys,
/// and one ERC-7201 namespace whose slot constant matches its annotation.
contract StorageZoo {
    enum Mode {
        Off,
        On,
        Paused
    }

    struct Position {
        uint128 amount;
        uint64 since;
        bool active;
        address owner;
    }

    struct Nested {
        Position position;
        uint256[] history;
        string note;
    }

    /// @custom:storage-location erc7201:aegis.test.Zoo
    struct ZooStorage {
        uint256 counter;
        mapping(address => bool) members;
        bytes32[2] pair;
    }

    // keccak256(abi.encode(uint256(keccak256("aegis.test.Zoo")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant ZOO_STORAGE_LOCATION =
        0x6b7f6a9b347173625beeb82778dd6dc3c1e47256edf0527e43e5f03e01657800;

    uint8 public small;
    bool public flag;
    address public owner;
    Mode public mode;
    int64 public signedValue;
    bytes32 public tag;
    uint256[3] public fixedWords;
    uint16[5] public packedFixed;
    uint256[] public dynamicWords;
    address[] public addresses;
    string public shortText;
    string public longText;
    bytes public blob;
    Position public single;
    Position[] public positions;
    mapping(address => uint256) public balances;
    mapping(address => mapping(uint256 => Position)) public nestedPositions;
    mapping(bytes32 => Nested) public deep;
    mapping(string => uint256) public byName;
    mapping(uint256 => string) public names;
    uint256[2][2] public grid;

    function _zoo() private pure returns (ZooStorage storage $) {
        assembly {
            $.slot := ZOO_STORAGE_LOCATION
        }
    }

    /// @notice Fills every variable with a recognisable value.
    function seed(address a, address b) external {
        small = 7;
        flag = true;
        owner = a;
        mode = Mode.Paused;
        signedValue = -42;
        tag = keccak256("tag");
        fixedWords = [uint256(1), 2, 3];
        packedFixed = [uint16(10), 20, 30, 40, 50];
        dynamicWords.push(100);
        dynamicWords.push(200);
        addresses.push(a);
        addresses.push(b);
        shortText = "short";
        longText = "a string that is longer than thirty-one bytes, so it is stored in long form";
        blob = hex"deadbeef";
        single = Position(5, 6, true, b);
        positions.push(Position(1, 2, false, a));
        positions.push(Position(3, 4, true, b));
        balances[a] = 1000;
        balances[b] = 2000;
        nestedPositions[a][9] = Position(11, 12, true, a);
        Nested storage n = deep[keccak256("k")];
        n.position = Position(21, 22, true, b);
        n.history.push(31);
        n.history.push(32);
        n.note = "nested note";
        byName["alice"] = 77;
        names[3] = "three";
        grid[1][0] = 10;
        grid[1][1] = 11;
        ZooStorage storage z = _zoo();
        z.counter = 99;
        z.members[a] = true;
        z.pair[1] = keccak256("pair");
    }

    function setSmall(uint8 value) external {
        small = value;
    }

    function setBalance(address account, uint256 value) external {
        balances[account] = value;
    }

    function setLongText(string calldata value) external {
        longText = value;
    }

    function pushWord(uint256 value) external {
        dynamicWords.push(value);
    }

    function bumpCounter() external {
        _zoo().counter += 1;
    }
}
