// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AegisRiskParams} from "./AegisRiskParams.sol";
import {AegisEngineStorage} from "./AegisEngineStorage.sol";

/// @title AEGIS engine V1: an L-unit lender book with vaults bounded by a sqrt(K) collateral floor
/// @notice Lenders hold shares (this contract's ERC-20) of the booked equity E_L = L + B_L * M / WAD.
/// Borrowers take L-units out of the engine against collateral whose floor is sqrt(idle0 * idle1).
/// @dev Rounding always favours the engine: tokens in are rounded up, tokens and shares out down,
/// so that the share price never decreases across any flow.
contract AegisEngineV1 is
    Initializable,
    ERC20Upgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    AegisRiskParams,
    AegisEngineStorage
{
    using SafeERC20 for IERC20;

    uint256 public constant WAD = 1e18;
    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_LTV_BPS = 9_800;
    uint256 public constant UTILIZATION_CAP_BPS = 9_500;
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    event Deposited(
        address indexed lender,
        uint256 deltaL,
        uint256 shares,
        uint256 amount0,
        uint256 amount1
    );
    event Withdrawn(
        address indexed lender,
        uint256 shares,
        uint256 claimL,
        uint256 amount0,
        uint256 amount1
    );
    event VaultOpened(address indexed vault);
    event CollateralDeposited(address indexed vault, uint256 amount0, uint256 amount1);
    event CollateralWithdrawn(address indexed vault, uint256 amount0, uint256 amount1);
    event Borrowed(
        address indexed vault,
        uint256 principal,
        uint256 liquidityOut,
        uint256 amount0,
        uint256 amount1
    );
    event Repaid(
        address indexed vault,
        uint256 principal,
        uint256 liquidityIn,
        uint256 amount0,
        uint256 amount1
    );
    event Accrued(uint256 interestMultiplier, uint256 timestamp);

    error ZeroAmount();
    error InsufficientLiquidity(uint256 requested, uint256 available);
    error LtvTooHigh(address vault, uint256 ltvBps);
    error UtilizationTooHigh(uint256 utilizationBps);
    error RepayExceedsPrincipal(uint256 requested, uint256 principal);
    error InsufficientCollateral();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(
        IERC20 token0_,
        IERC20 token1_,
        address admin,
        uint256 ratePerSecond_
    ) external initializer {
        __ERC20_init("AEGIS Lender Share", "aLS");
        __AccessControl_init();
        __Pausable_init();
        token0 = token0_;
        token1 = token1_;
        interestMultiplier = WAD;
        lastAccrual = block.timestamp;
        _setRatePerSecond(ratePerSecond_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    // ---------------------------------------------------------------- lenders

    /// @notice Adds `deltaL` L-units, pulling the tokens they need at the current reserve ratio.
    function deposit(uint256 deltaL) public virtual whenNotPaused returns (uint256 shares) {
        if (deltaL == 0) revert ZeroAmount();
        _accrue();
        uint256 supply = totalSupply();
        shares = supply == 0 ? deltaL : Math.mulDiv(deltaL, supply, equityL());
        if (shares == 0) revert ZeroAmount();
        (uint256 amount0, uint256 amount1) = _tokensFor(deltaL, Math.Rounding.Ceil);
        _pull(amount0, amount1);
        reserve0 += amount0;
        reserve1 += amount1;
        liquidity += deltaL;
        _mint(msg.sender, shares);
        emit Deposited(msg.sender, deltaL, shares, amount0, amount1);
    }

    /// @notice Burns `shares` for their claim on the equity, paid from the engine's liquidity.
    function withdraw(uint256 shares) external whenNotPaused returns (uint256 claimL) {
        if (shares == 0) revert ZeroAmount();
        _accrue();
        uint256 equity = equityL();
        claimL = Math.mulDiv(shares, equity, totalSupply());
        if (claimL == 0) revert ZeroAmount();
        if (claimL > liquidity) revert InsufficientLiquidity(claimL, liquidity);
        (uint256 amount0, uint256 amount1) = _tokensFor(claimL, Math.Rounding.Floor);
        reserve0 -= amount0;
        reserve1 -= amount1;
        liquidity -= claimL;
        _burn(msg.sender, shares);
        _requireUtilizationWithinCap();
        token0.safeTransfer(msg.sender, amount0);
        token1.safeTransfer(msg.sender, amount1);
        emit Withdrawn(msg.sender, shares, claimL, amount0, amount1);
    }

    // ---------------------------------------------------------------- vaults

    function depositCollateral(uint256 amount0, uint256 amount1) external whenNotPaused {
        if (amount0 == 0 && amount1 == 0) revert ZeroAmount();
        Vault storage vault = vaults[msg.sender];
        if (vault.idle0 == 0 && vault.idle1 == 0 && vault.principal == 0) {
            vaultCount += 1;
            emit VaultOpened(msg.sender);
        }
        _pull(amount0, amount1);
        vault.idle0 += amount0;
        vault.idle1 += amount1;
        emit CollateralDeposited(msg.sender, amount0, amount1);
    }

    function withdrawCollateral(uint256 amount0, uint256 amount1) external whenNotPaused {
        _accrue();
        Vault storage vault = vaults[msg.sender];
        if (amount0 > vault.idle0 || amount1 > vault.idle1) revert InsufficientCollateral();
        vault.idle0 -= amount0;
        vault.idle1 -= amount1;
        _requireLtvWithinMax(msg.sender);
        token0.safeTransfer(msg.sender, amount0);
        token1.safeTransfer(msg.sender, amount1);
        emit CollateralWithdrawn(msg.sender, amount0, amount1);
    }

    /// @notice Borrows principal `r`: takes r * M / WAD L-units out of the engine as tokens.
    function borrow(uint256 r) external whenNotPaused {
        if (r == 0) revert ZeroAmount();
        _accrue();
        uint256 liquidityOut = Math.mulDiv(r, interestMultiplier, WAD);
        if (liquidityOut == 0) revert ZeroAmount();
        if (liquidityOut > liquidity) revert InsufficientLiquidity(liquidityOut, liquidity);
        (uint256 amount0, uint256 amount1) = _tokensFor(liquidityOut, Math.Rounding.Floor);
        reserve0 -= amount0;
        reserve1 -= amount1;
        liquidity -= liquidityOut;
        borrowedL += r;
        vaults[msg.sender].principal += r;
        _requireLtvWithinMax(msg.sender);
        _requireUtilizationWithinCap();
        token0.safeTransfer(msg.sender, amount0);
        token1.safeTransfer(msg.sender, amount1);
        emit Borrowed(msg.sender, r, liquidityOut, amount0, amount1);
    }

    /// @notice Repays principal `r`: brings r * M / WAD L-units (rounded up) back as tokens.
    function repay(uint256 r) external whenNotPaused {
        if (r == 0) revert ZeroAmount();
        _accrue();
        Vault storage vault = vaults[msg.sender];
        if (r > vault.principal) revert RepayExceedsPrincipal(r, vault.principal);
        uint256 liquidityIn = Math.mulDiv(r, interestMultiplier, WAD, Math.Rounding.Ceil);
        (uint256 amount0, uint256 amount1) = _tokensFor(liquidityIn, Math.Rounding.Ceil);
        _pull(amount0, amount1);
        reserve0 += amount0;
        reserve1 += amount1;
        liquidity += liquidityIn;
        borrowedL -= r;
        vault.principal -= r;
        emit Repaid(msg.sender, r, liquidityIn, amount0, amount1);
    }

    /// @notice Brings the interest multiplier M up to the current block.
    function accrue() external whenNotPaused {
        _accrue();
    }

    // ---------------------------------------------------------------- admin

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function setRatePerSecond(uint256 rate) external onlyRole(DEFAULT_ADMIN_ROLE) whenNotPaused {
        _accrue();
        _setRatePerSecond(rate);
    }

    // ---------------------------------------------------------------- views (on stored state)

    /// @notice E_L = L + B_L * M / WAD, from stored state (M as last accrued).
    function equityL() public view returns (uint256) {
        return liquidity + Math.mulDiv(borrowedL, interestMultiplier, WAD);
    }

    /// @notice E_L * WAD / T; one L-unit per share before the first deposit.
    function sharePrice() public view returns (uint256) {
        uint256 supply = totalSupply();
        return supply == 0 ? WAD : Math.mulDiv(equityL(), WAD, supply);
    }

    function utilizationBps() public view returns (uint256) {
        uint256 equity = equityL();
        if (equity == 0) return 0;
        return Math.mulDiv(Math.mulDiv(borrowedL, interestMultiplier, WAD), BPS, equity);
    }

    /// @notice C_min(v) = floor(sqrt(idle0 * idle1)).
    function collateralFloor(address vault) public view returns (uint256) {
        Vault storage v = vaults[vault];
        return Math.sqrt(v.idle0 * v.idle1);
    }

    /// @notice LTV(v) = b_v * M / WAD * BPS / C_min(v); max uint when debt has no floor under it.
    function ltvBps(address vault) public view returns (uint256) {
        uint256 principal = vaults[vault].principal;
        if (principal == 0) return 0;
        uint256 floor_ = collateralFloor(vault);
        if (floor_ == 0) return type(uint256).max;
        return (Math.mulDiv(principal, interestMultiplier, WAD) * BPS) / floor_;
    }

    /// @notice Every total an invariant needs, read at one block.
    function totals()
        external
        view
        returns (uint256 l, uint256 bL, uint256 m, uint256 t, uint256 e, uint256 price)
    {
        return (liquidity, borrowedL, interestMultiplier, totalSupply(), equityL(), sharePrice());
    }

    // ---------------------------------------------------------------- internals

    function _accrue() internal {
        uint256 elapsed = block.timestamp - lastAccrual;
        if (elapsed == 0) return;
        interestMultiplier += ratePerSecond() * elapsed;
        lastAccrual = block.timestamp;
        emit Accrued(interestMultiplier, block.timestamp);
    }

    /// @dev Tokens that `deltaL` L-units stand for at the reserve ratio; 1:1 on an empty engine.
    function _tokensFor(
        uint256 deltaL,
        Math.Rounding rounding
    ) internal view returns (uint256 amount0, uint256 amount1) {
        if (liquidity == 0) return (deltaL, deltaL);
        amount0 = Math.mulDiv(deltaL, reserve0, liquidity, rounding);
        amount1 = Math.mulDiv(deltaL, reserve1, liquidity, rounding);
    }

    function _pull(uint256 amount0, uint256 amount1) internal {
        if (amount0 > 0) token0.safeTransferFrom(msg.sender, address(this), amount0);
        if (amount1 > 0) token1.safeTransferFrom(msg.sender, address(this), amount1);
    }

    function _requireLtvWithinMax(address vault) internal view {
        uint256 ltv = ltvBps(vault);
        if (ltv > MAX_LTV_BPS) revert LtvTooHigh(vault, ltv);
    }

    function _requireUtilizationWithinCap() internal view {
        uint256 utilization = utilizationBps();
        if (utilization > UTILIZATION_CAP_BPS) revert UtilizationTooHigh(utilization);
    }

    /// @dev Share transfers are mutators too: blocked while paused.
    function _update(
        address from,
        address to,
        uint256 value
    ) internal virtual override whenNotPaused {
        super._update(from, to, value);
    }
}
