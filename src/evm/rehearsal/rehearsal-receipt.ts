/**
 * A rehearsal's receipt: proof that a plan, identified by its hash, ran forward and back on a
 * fork of the live chain and passed. The live upgrade of a non-development network asks for one
 * with its own plan hash, so what was rehearsed is exactly what runs.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { atomicWriteFileSync } from "../../core/durable-fs";

const verdict = z.object({
  step: z.string(),
  verdict: z.string(),
  message: z.string().optional(),
  figures: z.record(z.string(), z.unknown()),
});

export const rehearsalReceiptSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal("aegis-rehearsal-receipt"),
  planId: z.string(),
  planHash: z.string(),
  network: z.string(),
  chainId: z.number().int(),
  engine: z.enum(["hardhat", "anvil"]),
  /** The forked endpoint as safeUrl shows it: scheme://host:port #fingerprint, nothing more. */
  forkUrl: z.string(),
  forkBlock: z.number().int(),
  proxy: z.string(),
  toContract: z.string(),
  toCreationBytecodeHash: z.string(),
  /** The new implementation's runtime code hash, as deployed on the fork. */
  toRuntimeCodeHash: z.string().nullable(),
  passed: z.boolean(),
  forward: z.object({ status: z.string(), verdicts: z.array(verdict) }),
  /** The rollback rehearsed on the same fork after the forward run passed. */
  back: z.object({ status: z.string(), verdicts: z.array(verdict) }).nullable(),
  startedAt: z.string(),
  endedAt: z.string(),
  /** The forward run's reports, copied beside the receipt. */
  reports: z.object({ markdown: z.string(), json: z.string() }),
});

/** A parsed receipt. */
export type RehearsalReceipt = z.infer<typeof rehearsalReceiptSchema>;

/** Where a network's receipts live: deployments/<network>/rehearsals/. */
export function receiptsDirOf(deploymentsDir: string, networkName: string): string {
  return path.join(deploymentsDir, networkName, "rehearsals");
}

/** Writes a receipt as `<dir>/<name>/receipt.json`, atomically. */
export function writeReceipt(dir: string, name: string, receipt: RehearsalReceipt): string {
  const file = path.join(dir, name, "receipt.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Figures carry bigints (token amounts): written as decimal strings, as in the reports.
  const text = JSON.stringify(
    rehearsalReceiptSchema.parse(receipt),
    (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    2,
  );
  atomicWriteFileSync(file, `${text}\n`);
  return file;
}

/** The newest passing receipt for `planHash` in `dir`, or undefined. */
export function findPassingReceipt(
  dir: string,
  planHash: string,
): { file: string; receipt: RehearsalReceipt } | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const candidates = fs
    .readdirSync(dir)
    .sort()
    .reverse()
    .map((name) => path.join(dir, name, "receipt.json"))
    .filter((file) => fs.existsSync(file));
  for (const file of candidates) {
    const parsed = rehearsalReceiptSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (parsed.success && parsed.data.passed && parsed.data.planHash === planHash) {
      return { file, receipt: parsed.data };
    }
  }
  return undefined;
}
