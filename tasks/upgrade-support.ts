import net from "node:net";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { UpgradePreset } from "../src/evm/upgrade-preset";

/** The configured preset: the AEGIS one by name, or a protocol's own loader. */
export async function loadPreset(hre: HardhatRuntimeEnvironment): Promise<UpgradePreset<unknown>> {
  const configured = hre.config.aegis.upgrade.preset ?? "aegis";
  if (configured === "aegis") {
    const { aegisPreset } = await import("../src/aegis/preset");
    return aegisPreset as UpgradePreset<unknown>;
  }
  return configured();
}

/** A free TCP port on 127.0.0.1 (for a fork node the task starts and stops). */
export async function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
