import readline from "node:readline/promises";
import { ConfirmationUnavailableError } from "../src/evm/errors";

/**
 * Asks a yes/no question on the terminal; `yes` answers it without asking. Without a terminal
 * it refuses to guess (AEGIS-E318). Ctrl-C at the prompt is a no.
 */
export async function askYesNo(
  question: string,
  options: { yes: boolean; command: string; out: NodeJS.WritableStream },
): Promise<boolean> {
  if (options.yes) return true;
  if (!process.stdin.isTTY) throw new ConfirmationUnavailableError(options.command);
  const prompt = readline.createInterface({ input: process.stdin, output: options.out });
  const interrupted = new AbortController();
  prompt.on("SIGINT", () => interrupted.abort());
  try {
    const answer = await prompt.question(`${question} [y/N] `, { signal: interrupted.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    if (interrupted.signal.aborted) return false;
    throw error;
  } finally {
    prompt.close();
  }
}
