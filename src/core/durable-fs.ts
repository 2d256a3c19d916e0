import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Small file-system primitives with the durability the journal's promises rest on: data is on
 * disk (fsync) before anyone acts on it, and files appear whole or not at all (rename).
 */

/** Writes a whole buffer to a descriptor, looping over short writes. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.byteLength) {
    offset += fs.writeSync(fd, data, offset, data.byteLength - offset);
  }
}

/** Flushes a directory so that entries created or renamed in it survive a power loss. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch (error) {
    // Some platforms (Windows) and file systems cannot open or fsync a directory; the file's
    // own fsync is then the best available guarantee.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes a file atomically: a temporary file in the same folder, fsync, rename, fsync dir. */
export function atomicWriteFileSync(file: string, data: string | Uint8Array, durable = true): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${uniqueSuffix()}.tmp`);
  const fd = fs.openSync(tmp, "wx");
  try {
    writeAllSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    if (durable) fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  if (durable) fsyncDirSync(dir);
}

let counter = 0;

/** A suffix unique within this process (and, with the pid, across processes). */
export function uniqueSuffix(): string {
  counter += 1;
  return `${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
