import fs from "node:fs";
import path from "node:path";
import { SpecUnreadableError } from "./errors";
import { parseMigrationSpec, type MigrationSpec } from "./migration-spec";
import { buildTranslationChain, type TranslationChain } from "./translation-chain";

/** A spec read from its file, with its translations compiled. */
export interface LoadedSpec {
  spec: MigrationSpec;
  /** Absolute path of the spec file. */
  file: string;
  /** Its folder: module, service and recording paths start there. */
  dir: string;
  /** The spec's text, whose hash a rollout's plan carries. */
  text: string;
  chain: TranslationChain;
}

/** Reads, validates and compiles a spec file (AEGIS-E500, E501, E502). */
export function loadMigrationSpec(file: string): LoadedSpec {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, "utf8");
  } catch (error) {
    throw new SpecUnreadableError(file, (error as Error).message);
  }
  const spec = parseMigrationSpec(text, file);
  const dir = path.dirname(absolute);
  return { spec, file: absolute, dir, text, chain: buildTranslationChain(spec, dir) };
}
