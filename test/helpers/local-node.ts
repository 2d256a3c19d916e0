import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { httpRequester } from "../../src/evm/chain/rpc";
import { freeLocalPort } from "../../src/evm/chain/free-port";

/** The project's root, where hardhat.config.ts lives. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** The Hardhat CLI entry, run with node directly so that a PID is the process itself. */
export const HARDHAT_CLI = path.join(
  PROJECT_ROOT,
  "node_modules",
  "hardhat",
  "internal",
  "cli",
  "bootstrap.js",
);

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
export const freePort = freeLocalPort;

/** A running `hardhat node` on 127.0.0.1. */
export interface LocalNode {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Sends one JSON-RPC request over HTTP; used to probe and drive nodes without ethers. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  return httpRequester(url).send(method, params);
}

/** Starts `hardhat node` on a free port (the node's own PID, no npx wrapper) and waits for it. */
export async function startHardhatNode(): Promise<LocalNode> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`hardhat node exited (${code}): ${output}`))),
  );
  // The node prints its banner once the server listens; wait for that rather than polling blindly.
  const listening = new Promise<void>((resolve) => {
    const check = () => {
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        child.stdout?.off("data", check);
        resolve();
      }
    };
    child.stdout?.on("data", check);
  });
  await Promise.race([listening, exited]);
  exited.catch(() => undefined);
  return {
    url,
    port,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      process.kill(child.pid as number, "SIGTERM");
      await gone;
    },
  };
}
