// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";

/// @title A protocol of someone else's (tests only): a pausable OZ-upgradeable ERC-20
/// @dev Deployed by the tests with OpenZeppelin's `upgrades.deployProxy`, as a user's own project
/// would, then adopted with `aegis:import`. Its own state is one linear variable; its parents'
/// is namespaced (ERC-7201).
contract PausableTokenV1 is
    Initializable,
    OwnableUpgradeable,
    PausableUpgradeable,
    ERC20Upgradeable
{
    uint256 public maxSupply;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(
        string calldata name_,
        string calldata symbol_,
        address owner_,
        uint256 maxSupply_
    ) external initializer {
        __Ownable_init(owner_);
        __Pausable_init();
        __ERC20_init(name_, symbol_);
        maxSupply = maxSupply_;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        require(totalSupply() + amount <= maxSupply, "max supply");
        _mint(to, amount);
    }

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        super._update(from, to, value);
    }
}
