import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { httpRequester } from "../../src/evm/chain/rpc";
import { freeLocalPort } from "../../src/evm/chain/free-port";
import { prebuiltConfigArgs } from "./prebuilt-cli";

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

/** The tasks that compile the contracts before they start, unless given `--no-compile`. */
const COMPILING_TASKS = new Set([
  "aegis:deploy",
  "aegis:import",
  "aegis:upgrade",
  "aegis:rollback",
  "aegis:abandon",
  "aegis:rehearse",
]);

/**
 * `node`'s arguments for `hardhat <args>` in this project: the CLI entry, then the transpiled
 * project's config (see prebuilt-cli.ts), then the task and its arguments. `npm test` compiles
 * once before any test, so the tasks that would compile again are told not to (`--no-compile`):
 * up to date, that compile only resolves imports, half a CPU-second per process. The README's
 * own commands (test/e2e/readme-first-run.test.ts) still compile, as a user's do.
 */
export function hardhatNodeArgs(args: string[]): string[] {
  const compiles = args.some((arg) => COMPILING_TASKS.has(arg)) && !args.includes("--help");
  // A test that brings its own config (a project's settings over ours) runs it as given.
  const config = args.includes("--config") ? [] : prebuiltConfigArgs();
  return [HARDHAT_CLI, ...config, ...args, ...(compiles ? ["--no-compile"] : [])];
}

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
    hardhatNodeArgs(["node", "--hostname", "127.0.0.1", "--port", String(port)]),
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
