import { InvalidValidationsError } from "./errors";

/** A table name, or a query whose rows are counted or checksummed. */
type Source = string;

/**
 * A validation declared beside a migration, run inside its transaction after its statements
 * and before its history row (so a failure rolls everything back). Each is a verdict with the
 * figures it compared.
 */
export type ValidationSpec =
  | { name: string; rowCount: { left: Source; right?: Source; equals?: number } }
  | { name: string; checksum: { before: Source; after?: Source } }
  | {
      name: string;
      orphans: { child: string; column: string; parent: string; parentColumn?: string };
    }
  | { name: string; zeroRows: string }
  | {
      name: string;
      measure: {
        figure: "durationMs" | "rowsPerSecond";
        worse?: "higher" | "lower";
        baseline: number;
        acceptable: number;
        critical: number;
      };
    };

const KINDS = ["rowCount", "checksum", "orphans", "zeroRows", "measure"] as const;

/** Checks validations read from YAML or exported by a .ts migration; AEGIS-E415 otherwise. */
export function checkValidations(file: string, value: unknown): ValidationSpec[] {
  const list = (value as { validations?: unknown } | null)?.validations ?? value;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new InvalidValidationsError(file, "validations must be a list");
  const names = new Set<string>();
  return list.map((item, index) => {
    const entry = item as Record<string, unknown> | null;
    const name = entry?.name;
    if (typeof name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      throw new InvalidValidationsError(
        file,
        `validation ${index + 1} needs a name (letters, digits, . _ -)`,
      );
    }
    if (names.has(name))
      throw new InvalidValidationsError(file, `validation ${name} appears twice`);
    names.add(name);
    const kinds = KINDS.filter((kind) => entry?.[kind] !== undefined);
    if (kinds.length !== 1) {
      throw new InvalidValidationsError(
        file,
        `validation ${name} must have exactly one of ${KINDS.join(", ")}`,
      );
    }
    const kind = kinds[0] as (typeof KINDS)[number];
    const body = entry?.[kind] as Record<string, unknown>;
    const needs = (field: string, type: string) => {
      if (typeof body?.[field] !== type) {
        throw new InvalidValidationsError(
          file,
          `validation ${name}: ${kind}.${field} must be a ${type}`,
        );
      }
    };
    if (kind === "zeroRows") {
      if (typeof body !== "string")
        throw new InvalidValidationsError(file, `validation ${name}: zeroRows is a query`);
    } else if (kind === "rowCount") {
      needs("left", "string");
      if (typeof body.right !== "string" && typeof body.equals !== "number") {
        throw new InvalidValidationsError(
          file,
          `validation ${name}: rowCount needs right or equals`,
        );
      }
    } else if (kind === "checksum") needs("before", "string");
    else if (kind === "orphans") {
      for (const field of ["child", "column", "parent"]) needs(field, "string");
    } else {
      for (const field of ["baseline", "acceptable", "critical"]) needs(field, "number");
      if (body.figure !== "durationMs" && body.figure !== "rowsPerSecond") {
        throw new InvalidValidationsError(
          file,
          `validation ${name}: measure.figure is durationMs or rowsPerSecond`,
        );
      }
    }
    return entry as unknown as ValidationSpec;
  });
}
