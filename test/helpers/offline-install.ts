/**
 * Gives a temporary Hardhat project the packages it had installed before it installs the toolkit,
 * taken from this repository's node_modules, so that a real `npm install <tarball>` can run there
 * offline: npm then finds every dependency of the toolkit already in place, as its lockfile says,
 * and only unpacks the tarball.
 */
import fs from "node:fs";
import path from "node:path";

/** One entry of package-lock.json's `packages`. */
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/** Where Node would find `name` required from the package at `from` ("" for the root). */
function resolveIn(lock: Record<string, LockEntry>, from: string, name: string) {
  let dir = from;
  for (;;) {
    const key = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (lock[key] !== undefined) return key;
    if (dir === "") return undefined;
    const parent = dir.lastIndexOf("/node_modules/");
    dir = parent === -1 ? "" : dir.slice(0, parent);
  }
}

/** The lockfile locations of `roots` and everything they need (required peers included). */
function closure(lock: Record<string, LockEntry>, roots: string[]): string[] {
  const found = new Set<string>();
  const queue = roots.map((name) => {
    const key = resolveIn(lock, "", name);
    if (key === undefined) throw new Error(`${name} is not installed in this repository`);
    return key;
  });
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (found.has(key)) continue;
    found.add(key);
    const entry = lock[key]!;
    // Optional peers (ts-node's @swc/core) are not installed by npm for the project either.
    const peers = Object.keys(entry.peerDependencies ?? {}).filter(
      (name) => entry.peerDependenciesMeta?.[name]?.optional !== true,
    );
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...peers,
    ];
    for (const name of names) {
      const dependency = resolveIn(lock, key, name);
      if (dependency !== undefined) queue.push(dependency);
    }
  }
  return [...found].sort();
}

/**
 * Copies a package's files as hard links (instant, no disk space; npm replaces files rather
 * than writing into them, so this repository's copies are never touched), without its nested
 * node_modules, which are packages of their own.
 */
function linkPackage(source: string, target: string, top = true): void {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    if (top && entry.name === "node_modules") continue;
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) linkPackage(from, to, false);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else {
      try {
        fs.linkSync(from, to);
      } catch {
        fs.copyFileSync(from, to); // another file system
      }
    }
  }
}

/**
 * Installs `roots` (package names) into `project` from `repository`'s node_modules, with the
 * bin links npm made for them and a package-lock.json that describes exactly that tree, the
 * project's package.json being its root. Returns how many packages were placed.
 */
export function placeInstalledPackages(
  repository: string,
  project: string,
  roots: string[],
): number {
  const repoLock = JSON.parse(fs.readFileSync(path.join(repository, "package-lock.json"), "utf8"))
    .packages as Record<string, LockEntry>;
  const keys = closure(repoLock, roots).filter((key) =>
    // Platform packages of other systems are in the lockfile, not on disk.
    fs.existsSync(path.join(repository, key, "package.json")),
  );
  for (const key of keys) linkPackage(path.join(repository, key), path.join(project, key));
  // npm reinstalls a package whose bin links are missing: give back the ones it made here.
  const placed = new Set(keys);
  const binDirs = new Set(
    keys.map((key) => `${key.slice(0, key.lastIndexOf("node_modules/"))}node_modules/.bin`),
  );
  for (const binDir of binDirs) {
    const source = path.join(repository, binDir);
    if (!fs.existsSync(source)) continue;
    for (const name of fs.readdirSync(source)) {
      const link = fs.readlinkSync(path.join(source, name));
      const owner = path.relative(repository, path.resolve(source, link));
      if (![...placed].some((key) => owner.startsWith(`${key}/`))) continue;
      fs.mkdirSync(path.join(project, binDir), { recursive: true });
      fs.symlinkSync(link, path.join(project, binDir, name));
    }
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
  const packages: Record<string, unknown> = {
    "": {
      name: manifest.name,
      dependencies: manifest.dependencies,
      devDependencies: manifest.devDependencies,
    },
  };
  for (const key of keys) packages[key] = repoLock[key];
  fs.writeFileSync(
    path.join(project, "package-lock.json"),
    `${JSON.stringify({ name: manifest.name, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  return keys.length;
}
