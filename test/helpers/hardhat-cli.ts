import { spawn } from "node:child_process";
import { HARDHAT_CLI, PROJECT_ROOT, hardhatNodeArgs } from "./local-node";

/** What a finished CLI process printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `hardhat` process still running: its PID, what it printed so far, and its exit. */
export interface RunningCli {
  pid: number;
  /** stdout and stderr so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with everything it printed once it exits. */
  exited: Promise<CliResult>;
}

/** How a test's process is started: as tests start them (see hardhatNodeArgs), or as typed. */
export interface StartOptions {
  /**
   * Exactly the user's command: the TypeScript sources through ts-node, and a compile first
   * where the task does one.
   */
  asTyped?: boolean;
}

/** Starts `hardhat <args>` as its own process, for a test that signals it while it runs. */
export function startHardhat(
  args: string[],
  env: Record<string, string>,
  options: StartOptions = {},
): RunningCli {
  const nodeArgs = options.asTyped === true ? [HARDHAT_CLI, ...args] : hardhatNodeArgs(args);
  const child = spawn(process.execPath, nodeArgs, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    pid: child.pid as number,
    output: () => ({ stdout, stderr }),
    exited: new Promise((resolve) =>
      child.once("exit", (code) => resolve({ code, stdout, stderr })),
    ),
  };
}

/** Runs `hardhat <args>` as its own process, as a user would, with extra environment. */
export async function runHardhat(
  args: string[],
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<CliResult> {
  return startHardhat(args, env, options).exited;
}
