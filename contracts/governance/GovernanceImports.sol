// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Imported so that the offline compile builds their artifacts: the toolkit deploys a real
// timelock in tests and reads the transparent proxy's and ProxyAdmin's ABIs.
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";
import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";
