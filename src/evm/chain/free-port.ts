/** A free TCP port on 127.0.0.1, for a node the toolkit (or a test) starts and stops itself. */
import net from "node:net";

/** Asks the OS for a free port on 127.0.0.1. */
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
