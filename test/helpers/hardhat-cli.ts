import { spawn } from "node:child_process";
import { HARDHAT_CLI, PROJECT_ROOT } from "./local-node";

/** What a finished CLI process printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hardhat <args>` as its own process, as a user would, with extra environment. */
export async function runHardhat(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [HARDHAT_CLI, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}
