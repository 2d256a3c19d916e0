import path from "node:path";
import type { RequestListener } from "node:http";
import { ServiceModuleError } from "./errors";

/** What a service module the spec names exports: the handler before and after the migration. */
export interface ServiceModule {
  createOldHandler(): RequestListener;
  createNewHandler(): RequestListener;
}

/** Loads the service module a spec names, relative to the spec's folder (AEGIS-E541). */
export function loadServiceModule(specDir: string, module: string): ServiceModule {
  const file = path.resolve(specDir, module);
  let exports: Partial<ServiceModule>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(file) as Partial<ServiceModule>;
  } catch (error) {
    throw new ServiceModuleError(module, `cannot load ${file}: ${String(error)}`);
  }
  if (
    typeof exports.createOldHandler !== "function" ||
    typeof exports.createNewHandler !== "function"
  ) {
    throw new ServiceModuleError(module, "createOldHandler or createNewHandler is not exported");
  }
  return exports as ServiceModule;
}
