// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Risk parameters of the AEGIS engine, kept in ERC-7201 namespaced storage
/// @dev A parent with namespaced storage, like OpenZeppelin v5's own parents, so that layout tools
/// have a project-owned namespace to verify (its base slot is recomputed from the formula).
abstract contract AegisRiskParams {
    /// @custom:storage-location erc7201:aegis.storage.RiskParams
    struct RiskParamsStorage {
        uint256 ratePerSecond;
        uint256 rateUpdatedAt;
    }

    // keccak256(abi.encode(uint256(keccak256("aegis.storage.RiskParams")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant RISK_PARAMS_LOCATION =
        0xf928a9a5738aa9246030b1b1a8ce0ffa1c614bc615501d8eb23e6c361ccac300;

    event RatePerSecondSet(uint256 ratePerSecond);

    function _riskParams() private pure returns (RiskParamsStorage storage $) {
        assembly {
            $.slot := RISK_PARAMS_LOCATION
        }
    }

    /// @notice Interest rate, in WAD per second, added to the multiplier M (simple interest).
    function ratePerSecond() public view returns (uint256) {
        return _riskParams().ratePerSecond;
    }

    function _setRatePerSecond(uint256 rate) internal {
        RiskParamsStorage storage $ = _riskParams();
        $.ratePerSecond = rate;
        $.rateUpdatedAt = block.timestamp;
        emit RatePerSecondSet(rate);
    }
}
