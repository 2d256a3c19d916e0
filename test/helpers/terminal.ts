import { spawn } from "node:child_process";
import type { CliResult } from "./hardhat-cli";

/**
 * Runs a command on a real pseudo-terminal (util-linux `script`), as a person at a terminal
 * would, answering each prompt that matches `prompt` with `answer` once it appears on screen.
 * The output is the terminal's: both streams together, with its control sequences.
 */
export async function runOnTerminal(
  command: string,
  options: { cwd: string; env: Record<string, string>; prompt: RegExp; answer: string },
): Promise<CliResult> {
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let answered = 0;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    const prompts = stdout.match(new RegExp(options.prompt.source, "g"))?.length ?? 0;
    for (; answered < prompts; answered += 1) child.stdin.write(`${options.answer}\n`);
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}
