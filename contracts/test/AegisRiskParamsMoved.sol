// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title BROKEN (tests only): the risk parameters under a new namespace id, so a new base slot
abstract contract AegisRiskParamsMoved {
    /// @custom:storage-location erc7201:aegis.storage.RiskParams.v2
    struct RiskParamsStorage {
        uint256 ratePerSecond;
        uint256 rateUpdatedAt;
    }

    // keccak256(abi.encode(uint256(keccak256("aegis.storage.RiskParams.v2")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant RISK_PARAMS_LOCATION =
        0x479b98212611fb1cd07ed0a0e973779a295b5ca5fafb20bee5e7ba4ff35b1200;

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
