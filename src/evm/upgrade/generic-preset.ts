/**
 * The generic preset: a protocol's part of the checklist built from data (preset-config.ts) and
 * the ABIs of the implementation it runs and the one it is upgraded to. Every function the data
 * names is looked up in both ABIs when the preset is built, so that a pause function the
 * contract lacks (AEGIS-E345) or a view it does not have (AEGIS-E346) is refused before
 * anything is read or sent.
 */
import { ethers, type Provider } from "ethers";
import type { DeploymentRecord } from "../chain/deployment-record";
import {
  InvalidPresetConfigError,
  PresetPauseFunctionMissingError,
  PresetViewFailedError,
  PresetViewMissingError,
} from "../errors";
import { findEventAccounts, parseEventAccountSource } from "./event-accounts";
import type { GenericInvariant, GenericPreset } from "./preset-config";
import type { InvariantFigure, InvariantResult, UpgradePreset } from "./upgrade-preset";

/** A contract whose ABI the preset's functions must be found in. */
export interface PresetContract {
  name: string;
  abi: ethers.InterfaceAbi;
}

/**
 * The generic preset's state: one figure per concrete view call, keyed by the call as written,
 * and for each account list found in events, the accounts it had (`accounts:<list>`, joined by
 * commas), so that a check reads the same calls.
 */
export type GenericState = Record<string, InvariantFigure>;

/** What the generic preset is built from. */
export interface GenericPresetParams {
  /** The config key it came from, e.g. `aegis.presets.MyToken` (for errors and notices). */
  key: string;
  /** The parsed config; undefined when nothing is configured (the defaults, said loudly). */
  config: GenericPreset | undefined;
  /** The implementation the proxy runs and the one it is upgraded to (either may be absent). */
  contracts: PresetContract[];
}

/** A view as the config writes it: `name(arg, ...)`. */
function parseCall(text: string): { name: string; args: string[] } {
  const open = text.indexOf("(");
  const inner = text.slice(open + 1, -1).trim();
  return {
    name: text.slice(0, open),
    args: inner === "" ? [] : inner.split(",").map((arg) => arg.trim()),
  };
}

/** The protocol's pause functions, as found in its ABI. */
interface PauseFunctions {
  pause: ethers.FunctionFragment;
  unpause: ethers.FunctionFragment;
  paused: ethers.FunctionFragment;
}

/** One call the state reads: a view with concrete arguments. */
interface ConcreteCall {
  figure: string;
  fragment: ethers.FunctionFragment;
  args: unknown[];
}

const NUMERIC = /^u?int\d*$/;

function isView(fragment: ethers.FunctionFragment): boolean {
  return fragment.stateMutability === "view" || fragment.stateMutability === "pure";
}

/** A literal argument: an address, a boolean or an integer. */
function literal(text: string): unknown {
  if (ethers.isAddress(text)) return ethers.getAddress(text);
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+$/.test(text)) return BigInt(text);
  return undefined;
}

/** The fragment of `name` with `arity` inputs in one contract, or why there is none. */
function findView(
  iface: ethers.Interface,
  name: string,
  arity: number,
): ethers.FunctionFragment | string {
  const named: ethers.FunctionFragment[] = [];
  iface.forEachFunction((fragment) => {
    if (fragment.name === name) named.push(fragment);
  });
  if (named.length === 0) return `no function named ${name}`;
  const fitting = named.filter((fragment) => fragment.inputs.length === arity);
  if (fitting.length === 0) {
    return `${name} takes ${named.map((f) => f.inputs.length).join(" or ")} argument(s), not ${arity}`;
  }
  const view = fitting.find(isView);
  if (view === undefined)
    return `${fitting[0]!.format()} is ${fitting[0]!.stateMutability}, not a view`;
  if (view.outputs.length !== 1) {
    return `${view.format()} returns ${view.outputs.length} values; name a view that returns one`;
  }
  const output = view.outputs[0]!;
  if (output.baseType === "tuple" || output.baseType === "array") {
    return `${view.format()} returns ${output.type}; name a view that returns one value`;
  }
  return view;
}

/** An argument of a view as written: a named account list, or one literal value. */
type ArgSpec = { list: string } | { value: unknown };

/** A view as written, resolved against the ABIs: its concrete calls wait for the account lists. */
interface CallTemplate {
  name: string;
  fragment: ethers.FunctionFragment;
  args: ArgSpec[];
}

/** Account lists by name, each of checksummed addresses. */
type AccountLists = Record<string, string[]>;

/** An account list found in events, parsed. */
interface EventList {
  fragment: ethers.EventFragment;
  args: string[];
}

// The state keeps the accounts an event list had at its block under this prefix (no view call
// is written without parentheses), so that checks find the same calls that were read.
const LIST_KEY = "accounts:";

/** The concrete calls of a template: one per combination of the accounts of its lists. */
function expand(template: CallTemplate, lists: AccountLists): ConcreteCall[] {
  const choices = template.args.map((arg) =>
    "list" in arg ? (lists[arg.list] ?? []) : [arg.value],
  );
  const combos = choices.reduce<unknown[][]>(
    (acc, options) => acc.flatMap((prefix) => options.map((option) => [...prefix, option])),
    [[]],
  );
  return combos.map((combo) => ({
    figure: `${template.name}(${combo.map(String).join(", ")})`,
    fragment: template.fragment,
    args: combo,
  }));
}

/** Resolves the preset's functions against every contract and reads the state with them. */
class GenericPresetBuilder {
  private readonly interfaces: Array<{ name: string; iface: ethers.Interface }>;
  private readonly config: GenericPreset;
  private readonly templates = new Map<string, CallTemplate>();
  /** The lists written out in the config. */
  readonly staticLists: AccountLists = {};
  /** The lists found in events when the state is read. */
  readonly eventLists = new Map<string, EventList>();

  constructor(private readonly params: GenericPresetParams) {
    this.interfaces = params.contracts.map((contract) => ({
      name: contract.name,
      iface: new ethers.Interface(contract.abi),
    }));
    this.config = params.config ?? {
      pause: "auto",
      accounts: {},
      views: [],
      invariants: [],
      snapshotKeys: [],
      mappingKeys: {},
    };
    for (const [name, list] of Object.entries(this.config.accounts)) {
      if (Array.isArray(list)) {
        this.staticLists[name] = list.map((account) => ethers.getAddress(account));
      } else {
        const where = `${params.key}.accounts.${name}`;
        const fragment = parseEventAccountSource(where, list);
        this.eventLists.set(name, { fragment, args: list.args });
      }
    }
  }

  /** Every view resolved so far. */
  all(): CallTemplate[] {
    return [...this.templates.values()];
  }

  /** The account lists of a state: those written out, and those its events gave. */
  listsOf(state: GenericState): AccountLists {
    const lists: AccountLists = { ...this.staticLists };
    for (const name of this.eventLists.keys()) {
      const found = state[`${LIST_KEY}${name}`];
      lists[name] = typeof found === "string" && found !== "" ? found.split(",") : [];
    }
    return lists;
  }

  /** A view as written, checked against every contract's ABI and the configured lists. */
  resolve(text: string, key: string): CallTemplate {
    const known = this.templates.get(text);
    if (known !== undefined) return known;
    const { name, args } = parseCall(text);
    let fragment: ethers.FunctionFragment | undefined;
    for (const { name: contract, iface } of this.interfaces) {
      const found = findView(iface, name, args.length);
      if (typeof found === "string") throw new PresetViewMissingError(key, text, contract, found);
      fragment ??= found;
    }
    if (fragment === undefined) {
      throw new PresetViewMissingError(key, text, "the contract", "no ABI to look it up in");
    }
    // Each argument is a list of accounts by name, or one literal value.
    const specs = args.map((arg, index): ArgSpec => {
      if (this.config.accounts[arg] !== undefined) return { list: arg };
      const value = literal(arg);
      if (value === undefined) {
        throw new InvalidPresetConfigError(
          key,
          `argument ${index + 1} of ${text} is neither an account list (${Object.keys(this.config.accounts).join(", ") || "none configured under accounts"}) nor an address, integer or boolean`,
        );
      }
      return { value };
    });
    const template = { name, fragment, args: specs };
    this.templates.set(text, template);
    return template;
  }

  /** The pause functions, checked in every contract; undefined for a protocol upgraded live. */
  pauseFunctions(): PauseFunctions | undefined {
    const setting = this.config.pause;
    if (setting === "none") return undefined;
    const wanted =
      setting === "auto" ? { pause: "pause()", unpause: "unpause()", paused: "paused()" } : setting;
    const found: Partial<Record<keyof PauseFunctions, ethers.FunctionFragment>> = {};
    for (const role of ["pause", "unpause", "paused"] as const) {
      const { name, args } = parseCall(wanted[role]);
      if (args.length > 0) {
        throw new InvalidPresetConfigError(
          `${this.params.key}.pause.${role}`,
          `${wanted[role]}: pause functions take no arguments`,
        );
      }
      for (const { name: contract, iface } of this.interfaces) {
        let fragment: ethers.FunctionFragment | null = null;
        iface.forEachFunction((candidate) => {
          if (candidate.name === name && candidate.inputs.length === 0) fragment = candidate;
        });
        const fits =
          fragment !== null &&
          (role === "paused"
            ? isView(fragment) && (fragment as ethers.FunctionFragment).outputs[0]?.type === "bool"
            : !isView(fragment));
        if (fits) {
          found[role] ??= fragment!;
          continue;
        }
        // The defaults pause only a contract that has all three; none of them is an error.
        if (setting === "auto") return undefined;
        const available: string[] = [];
        iface.forEachFunction((candidate) => {
          if (/pause/i.test(candidate.name)) available.push(candidate.format());
        });
        throw new PresetPauseFunctionMissingError(
          `${this.params.key}.pause.${role}`,
          wanted[role] + (role === "paused" ? " returning bool" : ""),
          contract,
          available,
        );
      }
    }
    if (found.pause === undefined || found.unpause === undefined || found.paused === undefined) {
      return undefined;
    }
    return found as PauseFunctions;
  }

  /** Why the plan does not pause, when it does not. */
  livenessReason(): string {
    if (this.config.pause === "none") return `${this.params.key}.pause is "none"`;
    // Contracts missing the same functions are named together.
    const byMissing = new Map<string, string[]>();
    for (const { name, iface } of this.interfaces) {
      const missing = ["pause", "unpause", "paused"].filter(
        (fn) => iface.getFunction(fn, []) === null,
      );
      if (missing.length === 0) continue;
      const what = missing.map((fn) => `${fn}()`).join(", ");
      byMissing.set(what, [...(byMissing.get(what) ?? []), name]);
    }
    if (byMissing.size === 0)
      return "its pause functions do not have the expected shape (paused() must return bool)";
    return [...byMissing]
      .map(
        ([what, names]) => `${names.join(" and ")} ${names.length > 1 ? "have" : "has"} no ${what}`,
      )
      .join("; ");
  }
}

function normalise(value: unknown): InvariantFigure {
  if (typeof value === "bigint" || typeof value === "boolean" || typeof value === "number")
    return value;
  if (typeof value === "string") return ethers.isAddress(value) ? ethers.getAddress(value) : value;
  return String(value);
}

function sameFigure(a: InvariantFigure, b: InvariantFigure): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

const OPERATORS: Record<string, string> = { equals: "==", atLeast: ">=", atMost: "<=" };

/** A bound as data: a view's figure or a literal. */
type Bound = { view: string } | { literal: InvariantFigure };

function statementOf(invariant: GenericInvariant): string {
  if ("unchanged" in invariant) return `${invariant.view} is unchanged by the upgrade`;
  if ("equals" in invariant) return `${invariant.view} == ${String(invariant.equals)}`;
  if ("atLeast" in invariant) return `${invariant.view} >= ${String(invariant.atLeast)}`;
  if ("atMost" in invariant) return `${invariant.view} <= ${String(invariant.atMost)}`;
  return `${invariant.view} stays within ${invariant.withinBps} bps of its value before the upgrade`;
}

function checkName(invariant: GenericInvariant): string {
  if ("unchanged" in invariant) return "unchanged";
  if ("equals" in invariant) return "equals";
  if ("atLeast" in invariant) return "atLeast";
  if ("atMost" in invariant) return "atMost";
  return "withinBps";
}

/**
 * Builds the preset. Throws AEGIS-E345 for pause functions the contracts lack, AEGIS-E346 for a
 * view they lack, AEGIS-E344 for an argument or bound that makes no sense.
 */
export function buildGenericPreset(params: GenericPresetParams): UpgradePreset<GenericState> & {
  notices: string[];
} {
  const builder = new GenericPresetBuilder(params);
  const config = params.config;
  const invariants = config?.invariants ?? [];
  const key = params.key;

  // Every view the state needs, resolved now: refusals come before anything is read.
  const add = (text: string, where: string) => builder.resolve(text, where);
  for (const [index, view] of (config?.views ?? []).entries()) add(view, `${key}.views.${index}`);
  const checks = invariants.map((invariant, index) => {
    const where = `${key}.invariants.${index}`;
    const template = add(invariant.view, where);
    const name = checkName(invariant);
    const numeric = name === "atLeast" || name === "atMost" || name === "withinBps";
    const outputType = template.fragment.outputs[0]?.type ?? "";
    if (numeric && !NUMERIC.test(outputType)) {
      throw new InvalidPresetConfigError(
        where,
        `${name} compares numbers, and ${invariant.view} returns ${outputType}`,
      );
    }
    let bound: Bound | undefined;
    const raw =
      "equals" in invariant
        ? invariant.equals
        : "atLeast" in invariant
          ? invariant.atLeast
          : "atMost" in invariant
            ? invariant.atMost
            : undefined;
    if (raw !== undefined) {
      if (typeof raw === "string" && /^[A-Za-z_$][\w$]*\(.*\)$/.test(raw)) {
        const boundTemplate = add(raw, `${where}.${name}`);
        const fromEvents = boundTemplate.args.find(
          (arg) => "list" in arg && builder.eventLists.has(arg.list),
        );
        if (fromEvents !== undefined) {
          throw new InvalidPresetConfigError(
            `${where}.${name}`,
            `a bound must be one value, and ${raw} reads one per account of a list found in events`,
          );
        }
        const boundCalls = expand(boundTemplate, builder.staticLists);
        if (boundCalls.length !== 1) {
          throw new InvalidPresetConfigError(
            `${where}.${name}`,
            `a bound must be one value, and ${raw} reads ${boundCalls.length}`,
          );
        }
        bound = { view: boundCalls[0]!.figure };
      } else {
        const value = typeof raw === "string" ? literal(raw) : raw;
        if (
          value === undefined ||
          (numeric && typeof value !== "bigint" && typeof value !== "number")
        ) {
          throw new InvalidPresetConfigError(
            `${where}.${name}`,
            `${JSON.stringify(raw)} is neither a view call nor ${numeric ? "an integer" : "an address, integer or boolean"}`,
          );
        }
        bound = { literal: normalise(typeof value === "number" ? BigInt(value) : value) };
      }
    }
    return {
      id: invariant.id ?? `${invariant.view} ${name}`,
      statement: statementOf(invariant),
      invariant,
      name,
      template,
      bound,
    };
  });
  /** The figures a check reads in a state: its view's calls for the state's account lists. */
  const figuresOf = (check: (typeof checks)[number], state: GenericState) =>
    expand(check.template, builder.listsOf(state)).map((call) => call.figure);
  const usedEventLists = [
    ...new Set(
      builder
        .all()
        .flatMap((template) => template.args)
        .flatMap((arg) => ("list" in arg && builder.eventLists.has(arg.list) ? [arg.list] : [])),
    ),
  ];

  const pause = builder.pauseFunctions();
  const fragments = builder.all().map((template) => template.fragment);
  if (pause !== undefined) fragments.push(pause.pause, pause.unpause, pause.paused);
  const iface = new ethers.Interface([...new Set(fragments.map((f) => f.format("full")))]);

  const notices: string[] = [];
  if (pause === undefined) {
    notices.push(
      `NO PAUSE: the protocol stays live during the upgrade (${builder.livenessReason()}); users can act between the snapshot and the upgrade, and what they change shows in the storage diff`,
    );
  }
  if (invariants.length === 0) {
    notices.push(
      `NO INVARIANTS: ${config === undefined ? "nothing is configured" : "no invariants are configured"} for this proxy, so the value-level storage diff is the only state check; ` +
        `add ${key}.invariants to hardhat.config.ts (e.g. { view: "totalSupply()", unchanged: true })`,
    );
  }

  function value(state: GenericState, bound: Bound): InvariantFigure {
    return "view" in bound ? state[bound.view]! : bound.literal;
  }

  function checkOne(check: (typeof checks)[number], state: GenericState): InvariantResult {
    const figures: InvariantResult["figures"] = {};
    const broken: string[] = [];
    for (const figure of figuresOf(check, state)) {
      const actual = state[figure]!;
      const limit = check.bound === undefined ? undefined : value(state, check.bound);
      figures[figure] = actual;
      if (limit === undefined) continue;
      if (check.bound !== undefined && "view" in check.bound) figures[check.bound.view] = limit;
      const holds =
        check.name === "equals"
          ? sameFigure(actual, limit)
          : check.name === "atLeast"
            ? BigInt(actual as bigint) >= BigInt(limit as bigint)
            : BigInt(actual as bigint) <= BigInt(limit as bigint);
      if (!holds)
        broken.push(`${figure} = ${String(actual)}, not ${OPERATORS[check.name]} ${String(limit)}`);
    }
    return result(check, figures, broken);
  }

  function compareOne(
    check: (typeof checks)[number],
    before: GenericState,
    after: GenericState,
  ): InvariantResult {
    const figures: InvariantResult["figures"] = {};
    const broken: string[] = [];
    // The accounts known before the upgrade: the state after has them all (events only add).
    for (const figure of figuresOf(check, before)) {
      const was = before[figure]!;
      const now = after[figure];
      if (now === undefined) {
        broken.push(`${figure} was not read after the upgrade`);
        continue;
      }
      figures[figure] = { before: was, after: now };
      if (check.name === "unchanged") {
        if (!sameFigure(was, now)) broken.push(`${figure} ${String(was)} -> ${String(now)}`);
        continue;
      }
      const bps = BigInt((check.invariant as { withinBps: number }).withinBps);
      const a = BigInt(was as bigint);
      const b = BigInt(now as bigint);
      const delta = a > b ? a - b : b - a;
      const magnitude = a < 0n ? -a : a;
      if (delta * 10_000n > bps * magnitude) {
        broken.push(`${figure} ${a} -> ${b}, more than ${bps} bps`);
      }
    }
    return result(check, figures, broken);
  }

  function result(
    check: (typeof checks)[number],
    figures: InvariantResult["figures"],
    broken: string[],
  ): InvariantResult {
    const base = { id: check.id, statement: check.statement, figures };
    return broken.length === 0
      ? { ...base, holds: true }
      : { ...base, holds: false, violation: broken.join("; ") };
  }

  const stateChecks = checks.filter(
    (check) => check.name !== "unchanged" && check.name !== "withinBps",
  );
  const comparisons = checks.filter(
    (check) => check.name === "unchanged" || check.name === "withinBps",
  );

  return {
    name: key.replace(/^aegis\.(presets\.|upgrade\.preset$)/, "") || "generic",
    pauses: pause !== undefined,
    pauseData: pause === undefined ? "0x" : iface.encodeFunctionData(pause.pause),
    unpauseData: pause === undefined ? "0x" : iface.encodeFunctionData(pause.unpause),
    notices,
    async isPaused(provider: Provider, proxy: string, blockTag?: number) {
      if (pause === undefined) return false;
      const data = await provider.call({
        to: proxy,
        data: iface.encodeFunctionData(pause.paused),
        blockTag,
      });
      return Boolean(iface.decodeFunctionResult(pause.paused, data)[0]);
    },
    async readState(provider: Provider, record: DeploymentRecord, blockTag: number) {
      // Lists found in events: every account they named from the deployment to this block.
      const lists: AccountLists = { ...builder.staticLists };
      for (const name of usedEventLists) {
        const source = builder.eventLists.get(name)!;
        const from = Math.min(record.deployedAt.block, blockTag);
        lists[name] = await findEventAccounts(
          provider,
          record.proxy,
          source.fragment,
          source.args,
          from,
          blockTag,
        );
      }
      const calls = new Map<string, ConcreteCall>();
      for (const template of builder.all()) {
        for (const call of expand(template, lists)) calls.set(call.figure, call);
      }
      const entries = await Promise.all(
        [...calls.values()].map(async (call): Promise<[string, InvariantFigure]> => {
          try {
            const data = await provider.call({
              to: record.proxy,
              data: iface.encodeFunctionData(call.fragment, call.args),
              blockTag,
            });
            const decoded = iface.decodeFunctionResult(call.fragment, data);
            return [call.figure, normalise(decoded[0])];
          } catch (error) {
            const text = (error as { shortMessage?: string }).shortMessage ?? String(error);
            throw new PresetViewFailedError(
              call.figure,
              record.proxy,
              blockTag,
              text.split("\n")[0] ?? text,
            );
          }
        }),
      );
      const found = usedEventLists.map((name) => [`${LIST_KEY}${name}`, lists[name]!.join(",")]);
      return Object.fromEntries([...entries, ...found]) as GenericState;
    },
    checkState: (state) => stateChecks.map((check) => checkOne(check, state)),
    compareStates: (before, after) => [
      ...stateChecks.map((check) => checkOne(check, after)),
      ...comparisons.map((check) => compareOne(check, before, after)),
    ],
    snapshotKeys: {
      keySources: config?.snapshotKeys ?? [],
      mappingKeys: config?.mappingKeys ?? {},
    },
  };
}
