import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Creates a fresh temporary directory; remove it with removeTempDir. */
export function makeTempDir(prefix = "aegis-core-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a temporary directory and everything in it. */
export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
