import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";

import { ERROR_CODES } from "../../src/core/error-codes";
import { AegisError } from "../../src/core/errors";
import { EVM_ERROR_CODES } from "../../src/evm/error-codes";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { API_ERROR_CODES } from "../../src/api/error-codes";

const ROOT = path.resolve(__dirname, "../..");
/** Where user-facing errors and the code that tells them apart live. */
const SCANNED_DIRS = ["src", "tasks"];
/** The registries: the only source files that may spell a code as a string literal. */
const REGISTRIES: Record<string, Record<string, string>> = {
  "src/core/error-codes.ts": ERROR_CODES,
  "src/evm/error-codes.ts": EVM_ERROR_CODES,
  "src/sql/error-codes.ts": SQL_ERROR_CODES,
  "src/api/error-codes.ts": API_ERROR_CODES,
};
/** A string literal that is a code, or the start of one: "AEGIS-E134", 'AEGIS-E3', `AEGIS-E`. */
const CODE_LITERAL = /(["'`])AEGIS-E\d*\1/g;

/** The lines of a source file that are code: whole-line and block comments blanked. */
function codeLines(text: string): string[] {
  let inBlock = false;
  return text.split("\n").map((line) => {
    const trimmed = line.trim();
    if (inBlock || trimmed.startsWith("/*")) {
      inBlock = !trimmed.includes("*/");
      return "";
    }
    return trimmed.startsWith("//") ? "" : line;
  });
}

interface ErrorClass {
  name: string;
  file: string;
  create: new (...args: unknown[]) => AegisError;
}

interface Instance {
  cls: ErrorClass;
  error: AegisError;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith(".ts") && !file.endsWith(".d.ts")) out.push(file);
    }
  };
  for (const dir of SCANNED_DIRS) walk(dir);
  return out.sort();
}

/** Classes declared as extending AegisError, directly or through another such class. */
function declaredErrorClasses(files: string[]): Array<{ name: string; file: string }> {
  const extendsOf: Array<{ name: string; base: string; file: string }> = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    for (const match of text.matchAll(/\bclass\s+(\w+)\s+extends\s+(?:[\w$]+\.)?(\w+)/g)) {
      extendsOf.push({ name: match[1] as string, base: match[2] as string, file });
    }
  }
  const errorNames = new Set(["AegisError"]);
  for (let grew = true; grew;) {
    grew = false;
    for (const { name, base } of extendsOf) {
      if (!errorNames.has(name) && errorNames.has(base)) {
        errorNames.add(name);
        grew = true;
      }
    }
  }
  return extendsOf
    .filter(({ name }) => name !== "AegisError" && errorNames.has(name))
    .map(({ name, file }) => ({ name, file }));
}

/** Placeholder values tried for each constructor argument, in this order. */
const PLACEHOLDERS: unknown[] = ["x", ["x"], 1, {}];

/** Constructs an error class with the first combination of placeholder arguments it accepts. */
function instantiate(cls: ErrorClass): AegisError {
  const arity = cls.create.length;
  let lastError: unknown;
  for (let combination = 0; combination < PLACEHOLDERS.length ** arity; combination += 1) {
    const args: unknown[] = [];
    for (let index = 0, rest = combination; index < arity; index += 1) {
      args.push(PLACEHOLDERS[rest % PLACEHOLDERS.length]);
      rest = Math.floor(rest / PLACEHOLDERS.length);
    }
    try {
      return new cls.create(...args);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(
    `${cls.name} (${cls.file}) refuses every placeholder argument (${String(lastError)}); ` +
      "teach this test a placeholder it accepts",
  );
}

/** Codes mapped to the names of the classes (or registry entries) that use them, if several. */
function sharedCodes(pairs: Array<[code: string, owner: string]>): Record<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [code, owner] of pairs) owners.set(code, [...(owners.get(code) ?? []), owner]);
  return Object.fromEntries([...owners].filter(([, names]) => names.length > 1));
}

describe("error registry", () => {
  const files = sourceFiles();
  const declared = declaredErrorClasses(files);
  const classes: ErrorClass[] = [];
  const instances: Instance[] = [];
  const registered = new Map<string, string>(); // code -> registry file
  for (const [file, registry] of Object.entries(REGISTRIES)) {
    for (const code of Object.values(registry)) registered.set(code, file);
  }

  before(async () => {
    const modules = [...new Set(declared.map(({ file }) => file))];
    for (const file of modules) {
      const exports = (await import(path.join(ROOT, file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value !== "function" || !(value.prototype instanceof AegisError)) continue;
        if (classes.some((known) => known.create === value)) continue; // re-exported
        classes.push({ name, file, create: value as ErrorClass["create"] });
      }
    }
    for (const cls of classes) instances.push({ cls, error: instantiate(cls) });
  });

  it("finds the error classes of the core, the EVM side and the API side, every one exported", () => {
    expect(declared.map(({ file }) => file)).to.include.members([
      "src/core/errors.ts",
      "src/evm/errors.ts",
      "src/evm/layout-errors.ts",
      "src/sql/errors.ts",
      "src/api/errors.ts",
    ]);
    const exported = new Set(classes.map((cls) => `${cls.file}:${cls.name}`));
    const hidden = declared.filter(({ name, file }) => !exported.has(`${file}:${name}`));
    expect(hidden, "error classes that are not exported cannot be checked").to.deep.equal([]);
    expect(instances.length).to.equal(declared.length);
  });

  it("gives every error class its own code", () => {
    const shared = sharedCodes(instances.map(({ cls, error }) => [error.code, cls.name]));
    expect(shared, "codes used by more than one class").to.deep.equal({});
  });

  it("takes every class's code from the registry (the core's from the core's)", () => {
    const unregistered = instances
      .filter(({ error }) => !registered.has(error.code))
      .map(({ cls, error }) => `${cls.name} ${error.code}`);
    expect(unregistered, "codes missing from the registry").to.deep.equal([]);
    const coreCodes = new Set<string>(Object.values(ERROR_CODES));
    const coreOutside = instances
      .filter(({ cls, error }) => cls.file.startsWith("src/core/") && !coreCodes.has(error.code))
      .map(({ cls, error }) => `${cls.name} ${error.code}`);
    expect(coreOutside, "core errors with a code outside ERROR_CODES").to.deep.equal([]);
  });

  it("has a class for every registry code, and each code under one name", () => {
    const used = new Set(instances.map(({ error }) => error.code));
    const orphans = [...registered.keys()].filter((code) => !used.has(code));
    expect(orphans, "registry codes that no class uses").to.deep.equal([]);
    const entries = Object.values(REGISTRIES).flatMap((registry) => Object.entries(registry));
    const shared = sharedCodes(entries.map(([name, code]) => [code, name]));
    expect(shared, "codes registered under more than one name").to.deep.equal({});
    const malformed = entries.filter(([, code]) => !/^AEGIS-E\d{3}$/.test(code));
    expect(malformed).to.deep.equal([]);
    const names = entries.map(([name]) => name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).to.deep.equal([]);
  });

  it("compares and lists codes only through the registry, never as string literals", () => {
    const literals: string[] = [];
    for (const file of files) {
      if (file in REGISTRIES) continue;
      codeLines(fs.readFileSync(path.join(ROOT, file), "utf8")).forEach((line, index) => {
        for (const match of line.matchAll(CODE_LITERAL)) {
          literals.push(`${file}:${index + 1} ${match[0]}`);
        }
      });
    }
    expect(literals, "use ERROR_CODES / EVM_ERROR_CODES / API_ERROR_CODES instead").to.deep.equal(
      [],
    );
  });

  it("keeps the core's hints kind-neutral: no hardhat task or command", () => {
    const tied = instances
      .filter(({ cls }) => cls.file.startsWith("src/core/"))
      .filter(({ error }) => /hardhat|aegis:/i.test(error.hint))
      .map(({ cls, error }) => `${cls.name}: ${error.hint}`);
    expect(tied).to.deep.equal([]);
  });
});
