import { InvalidCallError } from "../errors";

/** A reinitializer call as the user wrote it: its function name and arguments. */
export interface CallRequest {
  fn: string;
  args: unknown[];
}

/**
 * Reads `--call`: "none" for a plain upgrade (after a rollback left the reinitializer's version
 * behind), or "fn(arg1, arg2)" with arguments the contract's ABI then encodes.
 */
export function parseCallOption(text: string): CallRequest | null {
  const trimmed = text.trim();
  if (trimmed === "none") return null;
  const match = /^([A-Za-z_$][A-Za-z0-9_$]*)\((.*)\)$/.exec(trimmed);
  if (match === null) throw new InvalidCallError(text);
  const inside = (match[2] as string).trim();
  return {
    fn: match[1] as string,
    args: inside === "" ? [] : inside.split(",").map((arg) => arg.trim()),
  };
}
