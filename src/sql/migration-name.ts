import { MalformedMigrationNameError } from "./errors";

/** What a migration file's name says. */
export interface MigrationName {
  type: "versioned" | "undo" | "repeatable";
  /** Normalised version ("1.2", leading zeros dropped); undefined for repeatables. */
  version?: string;
  description: string;
  format: "sql" | "ts";
}

const NAME = /^([VUR])(.*?)__(.+)\.(sql|ts)$/;
const VERSION = /^\d+([._]\d+)*$/;

/**
 * Reads a file name the way Flyway users write it: V<version>__<description>.sql (or .ts),
 * U<version>__<description>.sql, R__<description>.sql. Returns undefined for files that are not
 * migrations (validations, notes, helpers); throws AEGIS-E411 for a name that looks like a
 * migration and is not quite one.
 */
export function parseMigrationName(file: string): MigrationName | undefined {
  if (file.endsWith(".d.ts") || /\.validations\.ya?ml$/.test(file)) return undefined;
  const isSql = file.endsWith(".sql");
  if (!isSql && !(file.endsWith(".ts") && /^[VUR](\d|_)/.test(file))) return undefined;
  const match = NAME.exec(file);
  if (match === null) {
    throw new MalformedMigrationNameError(
      file,
      /^[VUR]\d[^_]*_[^_]/.test(file)
        ? "the version and the description are separated by two underscores (__)"
        : "not a migration name",
    );
  }
  const [, prefix, version, rawDescription, format] = match as unknown as [
    string,
    "V" | "U" | "R",
    string,
    string,
    "sql" | "ts",
  ];
  const description = rawDescription.replace(/_/g, " ").trim();
  if (description === "") throw new MalformedMigrationNameError(file, "the description is empty");
  if (prefix === "R") {
    if (version !== "")
      throw new MalformedMigrationNameError(
        file,
        "a repeatable migration has no version (R__<description>)",
      );
    if (format === "ts")
      throw new MalformedMigrationNameError(file, "repeatable migrations are .sql files");
    return { type: "repeatable", description, format };
  }
  if (!VERSION.test(version)) {
    throw new MalformedMigrationNameError(
      file,
      version === ""
        ? "the version is missing"
        : `version ${JSON.stringify(version)} is not numbers separated by . or _`,
    );
  }
  if (prefix === "U" && format === "ts") {
    throw new MalformedMigrationNameError(
      file,
      "a TypeScript migration's undo is its exported down()",
    );
  }
  return {
    type: prefix === "V" ? "versioned" : "undo",
    version: normalizeVersion(version),
    description,
    format,
  };
}

/** 1_2 and 001.2 are version 1.2. */
export function normalizeVersion(version: string): string {
  return version
    .split(/[._]/)
    .map((part) => BigInt(part).toString())
    .join(".");
}

/** Orders versions numerically, part by part (1.10 after 1.9; 2 after 1.9). */
export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(BigInt);
  const right = b.split(".").map(BigInt);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const x = left[i] ?? -1n;
    const y = right[i] ?? -1n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
