import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { isAegisError } from "../src/core/errors";
import { EXIT_CODES } from "../src/core/exit-codes";
import { API_INPUT_ERROR_CODES } from "../src/api/errors";
import { runTask } from "./run-task";
import "./aegis-config";

/**
 * Runs an api:* task's body like every task (code, message and hint; no stack), and exits 2
 * instead of 1 when the error says the input was bad (a spec, a document, an option).
 */
export async function runApiTask(body: () => Promise<void>): Promise<void> {
  let inputError = false;
  await runTask(async () => {
    try {
      await body();
    } catch (error) {
      inputError = isAegisError(error) && API_INPUT_ERROR_CODES.has(error.code);
      throw error;
    }
  });
  if (inputError) process.exitCode = EXIT_CODES.unusable;
}

/** Where API runs are kept: deployments/api (runs/ and locks/ under it). */
export function apiBaseDir(hre: HardhatRuntimeEnvironment): string {
  return path.join(hre.config.aegis.deploymentsDir, "api");
}
