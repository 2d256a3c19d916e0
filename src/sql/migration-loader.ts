import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml } from "yaml";

import {
  DuplicateMigrationVersionError,
  InvalidTsMigrationError,
  InvalidValidationsError,
  MigrationDirMissingError,
  MigrationVersionGapError,
  UndoWithoutForwardError,
} from "./errors";
import { compareVersions, parseMigrationName } from "./migration-name";
import type { SqlSession } from "./sql-session";
import { checkValidations, type ValidationSpec } from "./validation-spec";

/** What a TypeScript migration exports. */
export interface TsMigrationModule {
  up(db: SqlSession): Promise<void>;
  down?(db: SqlSession): Promise<void>;
  validations?: ValidationSpec[];
}

/** A script of the folder: its file name, absolute path, text and checksum. */
export interface MigrationScript {
  file: string;
  path: string;
  text: string;
  /** SHA-256 of the text with line endings normalised (a checkout on Windows is no drift). */
  checksum: string;
}

/** A forward (versioned) migration with its undo and validations. */
export interface VersionedMigration extends MigrationScript {
  version: string;
  description: string;
  format: "sql" | "ts";
  undo?: MigrationScript;
  validations: ValidationSpec[];
  validationsFile?: string;
}

/** A repeatable migration: re-applied when its checksum changes. */
export interface RepeatableMigration extends MigrationScript {
  description: string;
}

/** The migrations of a folder, in order. */
export interface MigrationSet {
  dir: string;
  versioned: VersionedMigration[];
  repeatable: RepeatableMigration[];
}

/** SHA-256 of a text with CRLF and CR read as LF. */
export function textChecksum(text: string): string {
  return createHash("sha256").update(text.replace(/\r\n?/g, "\n")).digest("hex");
}

function scriptOf(dir: string, file: string): MigrationScript {
  const full = path.join(dir, file);
  const text = fs.readFileSync(full, "utf8");
  return { file, path: full, text, checksum: textChecksum(text) };
}

/** Loads a .ts migration's module (ts-node is registered by Hardhat and by the tests). */
export function loadTsMigration(script: MigrationScript): TsMigrationModule {
  let loaded: Partial<TsMigrationModule>;
  try {
    // Synchronous on purpose: the folder is read in one pass, and ts-node's hook (registered by
    // Hardhat and the tests) compiles the file on require.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(script.path) as Partial<TsMigrationModule>;
  } catch (error) {
    throw new InvalidTsMigrationError(
      script.file,
      `cannot be loaded: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    );
  }
  if (typeof loaded.up !== "function")
    throw new InvalidTsMigrationError(script.file, "exports no up function");
  if (loaded.down !== undefined && typeof loaded.down !== "function") {
    throw new InvalidTsMigrationError(script.file, "down is not a function");
  }
  return loaded as TsMigrationModule;
}

/**
 * Reads a migrations folder: Flyway names, checksums, versions in numeric order, each undo on
 * its forward migration and the validations beside each. Refuses (each with its code) a
 * malformed name, two migrations of one version, a gap in a run of whole-number versions and
 * an undo without its forward migration.
 */
export function loadMigrations(dir: string): MigrationSet {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new MigrationDirMissingError(dir);
  const files = fs.readdirSync(dir).sort();
  const forward = new Map<string, VersionedMigration>();
  const undos = new Map<string, MigrationScript>();
  const repeatable: RepeatableMigration[] = [];
  const repeatableNames = new Map<string, string>();
  for (const file of files) {
    const name = parseMigrationName(file);
    if (name === undefined) continue;
    const script = scriptOf(dir, file);
    if (name.type === "repeatable") {
      const other = repeatableNames.get(name.description);
      if (other !== undefined)
        throw new DuplicateMigrationVersionError(`R__${name.description}`, other, file);
      repeatableNames.set(name.description, file);
      repeatable.push({ ...script, description: name.description });
      continue;
    }
    const version = name.version as string;
    if (name.type === "undo") {
      const other = undos.get(version);
      if (other !== undefined) throw new DuplicateMigrationVersionError(version, other.file, file);
      undos.set(version, script);
      continue;
    }
    const other = forward.get(version);
    if (other !== undefined) throw new DuplicateMigrationVersionError(version, other.file, file);
    forward.set(version, {
      ...script,
      version,
      description: name.description,
      format: name.format,
      validations: [],
    });
  }
  for (const [version, undo] of undos) {
    const migration = forward.get(version);
    if (migration === undefined) throw new UndoWithoutForwardError(undo.file, version);
    migration.undo = undo;
  }
  const versioned = [...forward.values()].sort((a, b) => compareVersions(a.version, b.version));
  checkGaps(versioned);
  for (const migration of versioned) attachValidations(dir, migration);
  return { dir, versioned, repeatable };
}

/**
 * Whole-number versions below a million (1, 2, 3; not timestamps like 20240101120000) are a
 * sequence: a missing one usually means a file was lost in a merge.
 */
function checkGaps(versioned: VersionedMigration[]): void {
  const whole = versioned.every((m) => /^\d+$/.test(m.version) && Number(m.version) < 1_000_000);
  if (!whole) return;
  for (let i = 1; i < versioned.length; i += 1) {
    const before = versioned[i - 1] as VersionedMigration;
    const after = versioned[i] as VersionedMigration;
    if (Number(after.version) !== Number(before.version) + 1) {
      throw new MigrationVersionGapError(
        String(Number(before.version) + 1),
        before.file,
        after.file,
      );
    }
  }
}

function attachValidations(dir: string, migration: VersionedMigration): void {
  const base = migration.file.replace(/\.(sql|ts)$/, "");
  const yamlFile = [`${base}.validations.yaml`, `${base}.validations.yml`].find((f) =>
    fs.existsSync(path.join(dir, f)),
  );
  if (yamlFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseYaml(fs.readFileSync(path.join(dir, yamlFile), "utf8"));
    } catch (error) {
      throw new InvalidValidationsError(
        yamlFile,
        `not YAML: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      );
    }
    migration.validations.push(...checkValidations(yamlFile, parsed));
    migration.validationsFile = yamlFile;
  }
  if (migration.format === "ts") {
    const module = loadTsMigration(migration);
    migration.validations.push(...checkValidations(migration.file, module.validations));
    if (module.down !== undefined) {
      // The undo of a .ts migration is its own down(): same file, same checksum.
      migration.undo = {
        file: migration.file,
        path: migration.path,
        text: "",
        checksum: migration.checksum,
      };
    }
  }
}
