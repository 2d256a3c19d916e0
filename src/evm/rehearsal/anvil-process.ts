/**
 * Starts and stops a local anvil (from the pinned `@foundry-rs/anvil` package) on 127.0.0.1, for
 * benchmarks and tests that compare the toolkit against a second node implementation.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { AnvilNotInstalledError } from "../errors";

/** A running anvil. */
export interface AnvilProcess {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** The anvil binary shipped by the platform package of `@foundry-rs/anvil`. */
export function anvilBinaryPath(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const binary = process.platform === "win32" ? "anvil.exe" : "anvil";
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  let packageJson: string;
  try {
    packageJson = require.resolve(`${platformPackage}/package.json`);
  } catch {
    // anvil is an optional peer of the plugin: a project that never rehearses on it has none.
    throw new AnvilNotInstalledError(platformPackage);
  }
  const candidate = path.join(path.dirname(packageJson), "bin", binary);
  if (!fs.existsSync(candidate)) throw new AnvilNotInstalledError(platformPackage);
  return candidate;
}

/** Starts anvil on `port` and resolves once it listens; extra arguments are passed through. */
export async function startAnvil(port: number, extraArgs: string[] = []): Promise<AnvilProcess> {
  const child = spawn(
    anvilBinaryPath(),
    ["--host", "127.0.0.1", "--port", String(port), ...extraArgs],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`anvil exited (${code}): ${output}`))),
  );
  const listening = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      // Keep only the banner: anvil logs every request and the pipe must keep draining.
      if (output.length < 20_000) output += chunk.toString();
      if (output.includes("Listening on")) {
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on("data", onData);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  await Promise.race([listening, exited]);
  exited.catch(() => undefined);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      process.kill(child.pid as number, "SIGTERM");
      await gone;
    },
  };
}
