import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";
import hre from "hardhat";
import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";

import { AegisError } from "../../src/core/errors";
import {
  ConfirmationUnavailableError,
  LIST_RUNS_HINT,
  RpcUnreachableError,
  UnknownContractError,
} from "../../src/evm/errors";
import { SQL_STATUS_HINT } from "../../src/sql/errors";

const ROOT = path.resolve(__dirname, "../..");
/** The files whose hints a user reads (the core's, the EVM side's, the layouts', SQL's and API's). */
const ERROR_FILES = [
  "src/core/errors.ts",
  "src/evm/errors.ts",
  "src/evm/layout-errors.ts",
  "src/sql/errors.ts",
  "src/api/errors.ts",
];

/** Placeholder values tried for each constructor argument, in this order. */
const PLACEHOLDERS: unknown[] = ["x", ["x"], 1, {}];

type ErrorClass = new (...args: unknown[]) => AegisError;

/** Constructs an error class with the first combination of placeholder arguments it accepts. */
function instantiate(name: string, cls: ErrorClass): AegisError {
  const arity = cls.length;
  for (let combination = 0; combination < PLACEHOLDERS.length ** arity; combination += 1) {
    const args: unknown[] = [];
    for (let index = 0, rest = combination; index < arity; index += 1) {
      args.push(PLACEHOLDERS[rest % PLACEHOLDERS.length]);
      rest = Math.floor(rest / PLACEHOLDERS.length);
    }
    try {
      return new cls(...args);
    } catch {
      // try the next combination
    }
  }
  throw new Error(`${name} refuses every placeholder argument; teach this test one it accepts`);
}

/** The commands that ask before acting, as the tasks name them to askYesNo (tasks/*.ts). */
function askingCommands(): string[] {
  const commands = new Set<string>();
  for (const file of fs.readdirSync(path.join(ROOT, "tasks"))) {
    const text = fs.readFileSync(path.join(ROOT, "tasks", file), "utf8");
    for (const match of text.matchAll(/command: "(aegis:[\w-]+)"/g))
      commands.add(match[1] as string);
  }
  return [...commands].sort();
}

/** Every hint a user can read: each error class's, its other branches', and hints given as values. */
async function collectHints(): Promise<Array<{ source: string; hint: string }>> {
  const hints: Array<{ source: string; hint: string }> = [];
  for (const file of ERROR_FILES) {
    const exports = (await import(path.join(ROOT, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === "function" && value.prototype instanceof AegisError) {
        hints.push({ source: name, hint: instantiate(name, value as ErrorClass).hint });
      }
    }
  }
  // Hints that depend on the arguments: every branch, with the values the callers give.
  const branches: Array<[string, AegisError]> = [
    ["RpcUnreachableError(localhost)", new RpcUnreachableError("localhost", "http://x", "x")],
    ["UnknownContractError(no match)", new UnknownContractError("X", [])],
    ...askingCommands().map((command): [string, AegisError] => [
      `ConfirmationUnavailableError(${command})`,
      new ConfirmationUnavailableError(command),
    ]),
  ];
  for (const [source, error] of branches) hints.push({ source, hint: error.hint });
  hints.push({ source: "LIST_RUNS_HINT", hint: LIST_RUNS_HINT });
  hints.push({ source: "SQL_STATUS_HINT", hint: SQL_STATUS_HINT });
  return hints;
}

/** The command-line flags of a task (`--dry-run` for dryRun), positional parameters excluded. */
function flagsOf(taskName: string): Set<string> {
  const task = hre.tasks[taskName];
  return new Set(
    Object.keys(task?.paramDefinitions ?? {}).map((name) => ArgumentsParser.paramNameToCLA(name)),
  );
}

const GLOBAL_FLAGS = new Set(
  Object.keys(HARDHAT_PARAM_DEFINITIONS).map((name) => ArgumentsParser.paramNameToCLA(name)),
);

/** A task a hint names: `aegis:<name>` or `api:<name>` anywhere, or whatever follows `npx hardhat`. */
const TASK_MENTION = /\bnpx hardhat ([a-z][\w:-]*)|(?<![\w.])((?:aegis|api):[\w-]+)/g;
const FLAG_MENTION = /(?<![\w-])--([a-z][a-z0-9-]*)/g;

/**
 * What is wrong with a hint: a task that is not registered, or a flag that the task it belongs
 * to does not define. A flag belongs to the task named last before it, else to one of those the
 * hint names after it; a hint that names no task must use flags of one same aegis task.
 */
function problemsOf(hint: string): string[] {
  const problems: string[] = [];
  const mentions = [...hint.matchAll(TASK_MENTION)].map((match) => ({
    at: match.index ?? 0,
    task: (match[1] ?? match[2]) as string,
  }));
  for (const { task } of mentions) {
    if (hre.tasks[task] === undefined) problems.push(`names ${task}, which is not a task`);
  }
  const taskless: string[] = [];
  for (const match of hint.matchAll(FLAG_MENTION)) {
    const flag = `--${match[1] as string}`;
    if (GLOBAL_FLAGS.has(flag)) continue;
    const before = mentions.filter(({ at }) => at < (match.index ?? 0));
    const owners =
      before.length > 0
        ? [(before[before.length - 1] as { task: string }).task]
        : mentions.map(({ task }) => task);
    if (owners.length === 0) taskless.push(flag);
    else if (!owners.some((task) => flagsOf(task).has(flag))) {
      problems.push(`gives ${flag} to ${owners.join(" or ")}, which has no such flag`);
    }
  }
  if (taskless.length > 0) {
    const aegisTasks = Object.keys(hre.tasks).filter((name) => name.startsWith("aegis:"));
    const owner = aegisTasks.find((task) => taskless.every((flag) => flagsOf(task).has(flag)));
    if (owner === undefined) {
      problems.push(`uses ${taskless.join(" ")}, which no single aegis task defines together`);
    }
  }
  return problems;
}

describe("error hints", () => {
  it("knows the toolkit's tasks and their flags (the registry this test reads)", () => {
    expect(flagsOf("aegis:upgrade")).to.include("--dry-run");
    expect(flagsOf("aegis:rehearse")).to.include("--fork-url");
    expect(problemsOf("run npx hardhat aegis:wipe --step x")).to.deep.equal([
      "names aegis:wipe, which is not a task",
      "gives --step to aegis:wipe, which has no such flag",
    ]);
    expect(problemsOf("resume with aegis:upgrade --override preflight")).to.deep.equal([
      "gives --override to aegis:upgrade, which has no such flag",
    ]);
    expect(problemsOf("pass --old <contract> and --kind uups")).to.have.length(1);
    expect(problemsOf("npx hardhat compile --force, then aegis:deploy --network x")).to.deep.equal(
      [],
    );
  });

  it("names only tasks that exist, and only flags those tasks define", async () => {
    const hints = await collectHints();
    expect(hints.length).to.be.greaterThan(50);
    const wrong = hints
      .map(({ source, hint }) => ({ source, hint, problems: problemsOf(hint) }))
      .filter(({ problems }) => problems.length > 0)
      .map(({ source, hint, problems }) => `${source}: ${problems.join("; ")} (hint: ${hint})`);
    expect(wrong).to.deep.equal([]);
  });
});
