/**
 * The deployment record: what was deployed on a network, written to
 * `deployments/<network>/<name>.json`. Later runs resolve the proxy, its admin and the live
 * implementation's storage layout from it (a fork cannot read OpenZeppelin's dev-chain manifest).
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { RecordInvalidError, RecordNotFoundError } from "../errors";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address");
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte hash");

const layoutReference = z.object({
  contract: z.string(),
  solcVersion: z.string(),
  storageLayoutHash: hash,
  storage: z.unknown(),
});

const implementationEntry = z.object({
  contract: z.string(),
  implementation: address,
  bytecodeHash: hash,
  block: z.number().int().nonnegative(),
  /** The run that installed it; absent for the first deployment. */
  runId: z.string().optional(),
});

/** A past implementation keeps its layout, so a rollback can restore the record exactly. */
const historyEntry = implementationEntry.extend({ layout: layoutReference.optional() });

/** How a proxy deployed elsewhere was adopted by `aegis:import`. */
const importEntry = z.object({
  /** The block the chain was read at. */
  block: z.number().int().nonnegative(),
  /** The implementation the import identified; its warning holds while it is `current`. */
  implementation: address,
  /** The initializer version (`_initialized`) at that block. */
  initializedVersion: z.number().int().nonnegative(),
  /**
   * How the implementation was identified: its runtime code matched a build artifact, its
   * creation code matched through OpenZeppelin's manifest, or --force took it unmatched.
   */
  identity: z.enum(["bytecode", "oz-manifest", "forced"]),
  /** The artifact it matched (`path/To.sol:Name`), when it matched one. */
  artifact: z.string().optional(),
  /** Where the recorded layout came from. */
  layoutSource: z.enum(["build", "oz-manifest"]),
  /** Shown in every later plan preview and report while this implementation is current. */
  warning: z.string().optional(),
});

export const deploymentRecordSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  network: z.string(),
  chainId: z.number().int().positive(),
  proxy: address,
  proxyKind: z.enum(["transparent", "uups"]),
  proxyAdmin: address,
  /** Owner of the ProxyAdmin when the record was written: the upgrade authority. */
  owner: address,
  /** The implementation the proxy points at, with its contract name and code hash. */
  current: implementationEntry,
  /** Every implementation the proxy pointed at before `current`, oldest first. */
  history: z.array(historyEntry),
  /** Every implementation the toolkit deployed for this proxy, so an identical one is reused. */
  implementations: z
    .array(
      z.object({
        contract: z.string(),
        address,
        creationBytecodeHash: hash,
        runtimeCodeHash: hash,
        block: z.number().int().nonnegative(),
      }),
    )
    .default([]),
  tokens: z.record(z.string(), address),
  deployedAt: z.object({ block: z.number().int().nonnegative(), timestamp: z.number().int() }),
  /** The storage layout of `current`, as OpenZeppelin's upgrades-core describes it. */
  layout: layoutReference,
  /** Present when the record was built from the chain by `aegis:import`. */
  imported: importEntry.optional(),
});

/** A parsed deployment record. */
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;
/** A record as written by code (defaults not yet applied). */
export type DeploymentRecordInput = z.input<typeof deploymentRecordSchema>;
/** One implementation a proxy pointed at. */
export type ImplementationEntry = z.infer<typeof implementationEntry>;
/** How an imported proxy was adopted. */
export type ImportEntry = z.infer<typeof importEntry>;

/** The path of a record: `<deploymentsDir>/<network>/<name>.json`. */
export function deploymentRecordPath(deploymentsDir: string, networkName: string, name: string) {
  return path.join(deploymentsDir, networkName, `${name}.json`);
}

/** Reads and validates a record; throws AEGIS-E309 when absent, AEGIS-E310 when malformed. */
export function readDeploymentRecord(recordPath: string, networkName: string): DeploymentRecord {
  let text: string;
  try {
    text = fs.readFileSync(recordPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new RecordNotFoundError(recordPath, networkName);
    }
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RecordInvalidError(recordPath, (error as Error).message);
  }
  const parsed = deploymentRecordSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecordInvalidError(
      recordPath,
      `${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** Writes a record atomically (temp file, fsync, rename), so a crash never leaves half a file. */
export function writeDeploymentRecord(recordPath: string, record: DeploymentRecordInput): void {
  fs.mkdirSync(path.dirname(recordPath), { recursive: true });
  const temp = `${recordPath}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, "w");
  try {
    fs.writeSync(fd, `${JSON.stringify(deploymentRecordSchema.parse(record), null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, recordPath);
}
