/**
 * Dotted field paths in JSON bodies (`user.name`). A path that meets an array goes into each of
 * its elements, so `users.name` reaches every user of a list: one spec line covers an endpoint
 * that returns one user and one that returns many.
 */

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** Whether a value is a plain JSON object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The segments of a dotted path. */
export function splitPath(path: string): string[] {
  return path === "" ? [] : path.split(".");
}

/** Calls `visit` with every object the segments lead to (fanning out over arrays). */
export function forEachObjectAt(
  root: unknown,
  segments: readonly string[],
  visit: (object: JsonObject) => void,
  depth = 0,
): void {
  if (Array.isArray(root)) {
    for (const element of root) forEachObjectAt(element, segments, visit, depth);
    return;
  }
  if (!isJsonObject(root)) return;
  if (depth === segments.length) {
    visit(root);
    return;
  }
  const head = segments[depth] as string;
  if (Object.hasOwn(root, head)) forEachObjectAt(root[head], segments, visit, depth + 1);
}

/** The value at a path in one object (no fan-out); undefined when any segment is missing. */
export function getAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (!isJsonObject(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

/** Sets the value at a path in one object, creating the objects on the way. */
export function setAt(root: JsonObject, segments: readonly string[], value: unknown): void {
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    if (!isJsonObject(node[segment])) node[segment] = {};
    node = node[segment] as JsonObject;
  }
  node[segments[segments.length - 1] as string] = value;
}

/** Deletes the value at a path in one object; says whether there was one. */
export function deleteAt(root: JsonObject, segments: readonly string[]): boolean {
  const parent = getAt(root, segments.slice(0, -1));
  const key = segments[segments.length - 1] as string;
  if (!isJsonObject(parent) || !Object.hasOwn(parent, key)) return false;
  delete parent[key];
  return true;
}
