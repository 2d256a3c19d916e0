import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import type { ContextHost } from "./context-host";
import { ArtifactIntegrityError, ArtifactNotFoundError } from "./errors";
import { assertSafeId, shortStepId } from "./ids";
import type { ArtifactRef } from "./plan-types";
import { artifactRelativePath } from "./run-paths";
import { findStep } from "./run-state";
import { atomicWriteFileSync } from "./durable-fs";

/**
 * Large step outputs (a storage snapshot of thousands of slots, a schema dump) go to files in
 * the run folder rather than into journal lines; the journal keeps their sha256, so a resumed
 * run can trust what it reads back.
 */

/** Writes an artifact of a step atomically and journals it. */
export function writeArtifact(
  host: ContextHost,
  stepId: string,
  name: string,
  data: string | Uint8Array,
): ArtifactRef {
  assertSafeId("artifact name", name);
  const relative = artifactRelativePath(shortStepId(stepId), name);
  const absolutePath = path.join(host.runDir, relative);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  fs.mkdirSync(path.dirname(absolutePath), { recursive: true });
  atomicWriteFileSync(absolutePath, bytes, host.durability === "fsync");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  host.record({
    type: "ARTIFACT_WRITTEN",
    step: stepId,
    name,
    path: relative,
    sha256,
    bytes: bytes.byteLength,
  });
  return { name, path: relative, absolutePath, sha256, bytes: bytes.byteLength };
}

/** Reads an artifact of a step, checking it against its journaled sha256. */
export function readArtifact(host: ContextHost, stepId: string, name: string): Buffer {
  const step = findStep(host.state, stepId);
  const record = step?.artifacts.find((artifact) => artifact.name === name);
  if (!step || !record) throw new ArtifactNotFoundError(stepId, name);
  const file = path.join(host.runDir, record.path);
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    throw new ArtifactIntegrityError(file, "is missing");
  }
  const sha256 = createHash("sha256").update(data).digest("hex");
  if (sha256 !== record.sha256)
    throw new ArtifactIntegrityError(file, "does not match its journaled sha256");
  return data;
}
