/**
 * A protocol's part of the checklist written as data in hardhat.config.ts, for the common case
 * that needs no code: how it pauses (or that it does not), which views describe its state, the
 * invariants over those views, and the events that reveal its mappings' keys. Validated with
 * zod, so that a bad config is one line naming the key (AEGIS-E344) before anything is read.
 *
 * ```ts
 * aegis: {
 *   presets: {
 *     MyToken: {
 *       pause: { pause: "pause()", unpause: "unpause()", paused: "paused()" }, // or "none"
 *       accounts: {
 *         owners: ["0x7099…79C8"],
 *         // Every address a Transfer named: no holder listed by hand.
 *         holders: {
 *           event: "event Transfer(address indexed from, address indexed to, uint256 value)",
 *           args: ["from", "to"],
 *         },
 *       },
 *       views: ["owner()"],
 *       invariants: [
 *         { view: "totalSupply()", unchanged: true },
 *         { view: "balanceOf(holders)", unchanged: true },
 *         { view: "totalSupply()", atMost: "maxSupply()" },
 *         { view: "feeBps()", withinBps: 0 },
 *       ],
 *       snapshotKeys: [{
 *         mapping: "erc7201:openzeppelin.storage.ERC20:_balances",
 *         event: "event Transfer(address indexed from, address indexed to, uint256 value)",
 *         args: ["from", "to"],
 *         skipZero: true,
 *       }],
 *     },
 *   },
 * }
 * ```
 */
import { z } from "zod";
import { InvalidPresetConfigError } from "../errors";

/** A view call as written in the config: `name(arg, ...)`, each arg an account list or a value. */
const viewCall = z
  .string()
  .regex(
    /^[A-Za-z_$][\w$]*\((.*)\)$/,
    'a view call such as "totalSupply()" or "balanceOf(holders)"',
  );

/** A bound: a view call, or a literal (an integer as a string or number, an address, a bool). */
const bound = z.union([z.string().min(1), z.number().int(), z.boolean()]);

const invariantBase = {
  /** Shown in the reports; default derived from the view and the check. */
  id: z.string().min(1).optional(),
  view: viewCall,
};

const invariant = z.union([
  z.strictObject({ ...invariantBase, unchanged: z.literal(true) }),
  z.strictObject({ ...invariantBase, equals: bound }),
  z.strictObject({ ...invariantBase, atLeast: bound }),
  z.strictObject({ ...invariantBase, atMost: bound }),
  z.strictObject({ ...invariantBase, withinBps: z.number().int().nonnegative() }),
]);

const pauseFunctions = z.strictObject({
  pause: viewCall,
  unpause: viewCall,
  paused: viewCall,
});

const keySource = z.strictObject({
  mapping: z.string().min(1),
  event: z.string().min(1),
  args: z.array(z.string().min(1)).min(1),
  skipZero: z.boolean().optional(),
});

/** The generic preset's configuration (every key optional: nothing configured means defaults). */
export const genericPresetSchema = z.strictObject({
  /**
   * How the protocol pauses: its three functions; "none" to upgrade it live (no pause steps);
   * "auto" (default) uses pause(), unpause() and paused() when the contract has all three.
   */
  pause: z.union([z.literal("auto"), z.literal("none"), pauseFunctions]).default("auto"),
  /**
   * Named lists of accounts, for views that take an account: `balanceOf(holders)`. A list is
   * written out, or found in the contract's events: `{ event, args }` takes every address those
   * arguments held, from the proxy's deployment to the block read (event-accounts.ts).
   */
  accounts: z
    .record(
      z.string().regex(/^[A-Za-z_][\w]*$/, "a list name"),
      z.union([
        z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address")),
        z.strictObject({
          event: z.string().min(1),
          args: z.array(z.string().min(1)).min(1),
        }),
      ]),
    )
    .default({}),
  /** Views read into the state besides those the invariants name (recorded, not checked). */
  views: z.array(viewCall).default([]),
  invariants: z.array(invariant).default([]),
  /** Events whose arguments are the keys of mappings, for the storage snapshots. */
  snapshotKeys: z.array(keySource).default([]),
  /** Mapping keys known without events, per mapping path pattern. */
  mappingKeys: z.record(z.string(), z.array(z.string())).default({}),
});

/** The generic preset as written in hardhat.config.ts. */
export type GenericPresetConfig = z.input<typeof genericPresetSchema>;
/** The generic preset with its defaults filled in. */
export type GenericPreset = z.output<typeof genericPresetSchema>;
/** One invariant of the generic preset. */
export type GenericInvariant = z.output<typeof invariant>;

/** Validates a generic preset's config; throws AEGIS-E344 naming the key of the first problem. */
export function parseGenericPreset(key: string, value: unknown): GenericPreset {
  const parsed = genericPresetSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${key}.${issue.path.join(".")}` : key;
  throw new InvalidPresetConfigError(where, issue?.message ?? "invalid");
}

/**
 * How a proxy's preset is given in the config: the name of a preset registered in code (this
 * repository registers its reference preset as "aegis"), a loader, or data.
 */
export type PresetSetting<P> = string | (() => Promise<P>) | GenericPresetConfig;

/** The preset of records `aegis:deploy` made (the reference protocol's, registered by name). */
export const REFERENCE_PRESET = "aegis";

/** A proxy's record, as far as choosing its preset goes. */
export interface PresetRecord {
  name: string;
  proxy: string;
  /** Whether `aegis:import` made it (a protocol of the user's, not the reference one). */
  imported: boolean;
}

/** The preset chosen for a record, and the config key it came from (for errors and notices). */
export interface ChosenPreset<P> {
  setting: PresetSetting<P> | undefined;
  key: string;
}

/**
 * The preset of a record: `aegis.presets.<record name>` when set; else `aegis.upgrade.preset`
 * when `aegis.upgrade.proxy` is unset or names this record (by name or address); else the
 * generic defaults for an imported proxy and the reference preset for one `aegis:deploy` made.
 */
export function choosePreset<P>(
  config: {
    presets?: Record<string, PresetSetting<P>>;
    upgrade?: { proxy?: string; preset?: PresetSetting<P> };
  },
  record: PresetRecord,
): ChosenPreset<P> {
  const own = config.presets?.[record.name];
  if (own !== undefined) return { setting: own, key: `aegis.presets.${record.name}` };
  const configuredProxy = config.upgrade?.proxy;
  const namesThis =
    configuredProxy === undefined ||
    configuredProxy === record.name ||
    configuredProxy.toLowerCase() === record.proxy.toLowerCase();
  if (config.upgrade?.preset !== undefined && namesThis) {
    return { setting: config.upgrade.preset, key: "aegis.upgrade.preset" };
  }
  return record.imported
    ? { setting: undefined, key: `aegis.presets.${record.name}` }
    : { setting: REFERENCE_PRESET, key: "aegis.upgrade.preset" };
}
