import { task } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";
import { SeedUnavailableError } from "../src/evm/errors";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import { checkDeployInputs } from "../src/aegis/deploy-inputs";
import { runTask } from "./run-task";
import { NO_COMPILE_FLAG, compileFirst } from "./compile-first";
import "./aegis-config";

// Modules that import typechain-types are loaded inside the action: the types exist only after
// the first compile, and `hardhat compile` itself loads this file.

task("aegis:deploy", "Deploys the AEGIS reference protocol (tokens, V1 behind a transparent proxy)")
  .addOptionalParam(
    "owner",
    "owner of the ProxyAdmin and of the engine's roles (default: deployer)",
  )
  .addOptionalParam("kind", "proxy kind: transparent (a ProxyAdmin) or uups", "transparent")
  .addFlag("seed", "seed a realistic lender book (development networks only)")
  .addFlag("force", "replace an existing deployment record of a live network")
  .addFlag(NO_COMPILE_FLAG.name, NO_COMPILE_FLAG.description)
  .setAction(
    async (
      args: {
        owner?: string;
        kind: "transparent" | "uups";
        seed: boolean;
        force: boolean;
        noCompile: boolean;
      },
      hre,
    ) =>
      runTask(async () => {
        const networkName = hre.network.name;
        const isDevelopmentNetwork = hre.config.aegis.developmentNetworks.includes(networkName);
        const url = (hre.network.config as HttpNetworkConfig).url ?? "in-process";
        const base = {
          networkName,
          isDevelopmentNetwork,
          deploymentsDir: hre.config.aegis.deploymentsDir,
          owner: args.owner,
          kind: args.kind,
          force: args.force,
        };
        if (args.seed && !isDevelopmentNetwork) {
          throw new SeedUnavailableError(networkName, "it is not a development network");
        }
        const chainId = await assertRpcReachable(hre.network.provider, networkName, url);
        // Refuse bad input before the compile and before anything is sent.
        checkDeployInputs(base);
        await compileFirst(hre, args);
        const { deployProtocol, engineContractName } = await import("../src/aegis/deploy-protocol");
        const { seedBook } = await import("../src/aegis/seed-book");
        const { layoutOfBytecode } = await import("../src/evm/storage/contract-layout");
        const { readValidations } =
          await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
        const engineContract = engineContractName(args.kind);
        const artifact = await hre.artifacts.readArtifact(engineContract);
        const engineLayout = layoutOfBytecode(
          await readValidations(hre),
          engineContract,
          artifact.bytecode,
        );
        const [deployer, ...others] = await hre.ethers.getSigners();
        const { record, recordPath } = await deployProtocol({
          ...base,
          chainId,
          deployer: deployer!,
          proxyDeployer: hre.upgrades,
          engineLayout,
          kind: args.kind,
        });
        console.log(
          `AegisEngine ${record.proxyKind} proxy ${record.proxy} (implementation ${record.current.implementation}, ${record.proxyKind === "uups" ? "upgradable by the admin role of" : `ProxyAdmin ${record.proxyAdmin} owned by`} ${record.owner})`,
        );
        console.log(`record: ${recordPath}`);
        if (args.seed) {
          const book = await seedBook({
            record,
            networkName,
            accounts: [deployer!, ...others],
            advanceTime: async (seconds) => {
              await hre.network.provider.send("evm_increaseTime", [seconds]);
              await hre.network.provider.send("evm_mine", []);
            },
          });
          console.log(
            `seeded ${book.lenders.length} lenders and ${book.borrowers.length} borrowers`,
          );
        }
      }),
  );
