import { startAnvil } from "../../src/evm/rehearsal/anvil-process";
import { freePort, type LocalNode } from "./local-node";

/** Starts anvil on a free 127.0.0.1 port (its own PID) and waits until it listens. */
export async function startAnvilNode(extraArgs: string[] = []): Promise<LocalNode> {
  return startAnvil(await freePort(), extraArgs);
}
