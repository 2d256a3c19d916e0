/**
 * The chain of changes between the old and the new version: a request goes forward through
 * every change in the spec's order, a response back in reverse order, each change only on the
 * endpoints it names. Module translations are loaded here, relative to the spec file.
 */
import path from "node:path";
import { matchEndpoint } from "./endpoint-pattern";
import { TranslationModuleError } from "./errors";
import type { MigrationSpec } from "./migration-spec";
import { assembleChange, declarativeChange } from "./translation-ops";
import type { TranslationFunctions, VersionChange } from "./version-change";

/** The compiled changes of a spec, in its order. */
export interface TranslationChain {
  changes: readonly VersionChange[];
  /** Old version's request body -> new version's, for this endpoint. */
  forward(method: string, path: string, body: unknown): unknown;
  /** New version's response body -> old version's, for this endpoint. */
  backward(method: string, path: string, body: unknown): unknown;
}

/**
 * Compiles a spec's breaking changes; `specDir` is where module paths start (AEGIS-E502 for a
 * module or export that cannot be used).
 */
export function buildTranslationChain(spec: MigrationSpec, specDir: string): TranslationChain {
  const changes = spec.breaking_changes.map((change, index) => {
    const { translation } = change;
    if ("module" in translation) {
      return assembleChange(
        index,
        change,
        loadTranslation(specDir, translation.module, translation.export),
      );
    }
    return declarativeChange(index, { ...change, translation });
  });
  return chainOf(changes);
}

/** A chain over already compiled changes. */
export function chainOf(changes: readonly VersionChange[]): TranslationChain {
  const applies = (change: VersionChange, method: string, path: string) =>
    change.endpoints === undefined ||
    change.endpoints.some((endpoint) => matchEndpoint(endpoint, method, path) !== undefined);
  return {
    changes,
    forward(method, path, body) {
      let current = body;
      for (const change of changes) {
        if (applies(change, method, path)) current = change.forward(current);
      }
      return current;
    },
    backward(method, path, body) {
      let current = body;
      for (let index = changes.length - 1; index >= 0; index -= 1) {
        const change = changes[index] as VersionChange;
        if (applies(change, method, path)) current = change.backward(current);
      }
      return current;
    },
  };
}

function loadTranslation(
  specDir: string,
  module: string,
  exportName: string,
): TranslationFunctions {
  const file = path.resolve(specDir, module);
  let exports: Record<string, unknown>;
  try {
    // A module file the spec names, loaded like any other source (ts-node under Hardhat); the
    // spec itself never holds code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(file) as Record<string, unknown>;
  } catch (error) {
    throw new TranslationModuleError(module, exportName, `cannot load ${file}: ${String(error)}`);
  }
  const candidate = exports[exportName] as Partial<TranslationFunctions> | undefined;
  if (candidate === undefined) {
    throw new TranslationModuleError(module, exportName, "the module has no such export");
  }
  if (typeof candidate.forward !== "function" || typeof candidate.backward !== "function") {
    throw new TranslationModuleError(module, exportName, "forward and backward must be functions");
  }
  return candidate as TranslationFunctions;
}
