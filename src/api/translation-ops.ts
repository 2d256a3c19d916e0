/**
 * The declarative translations a spec may name (rename, split, join, default, map_values,
 * move, remove), each turned into a VersionChange that works both ways. A body without the
 * field is left alone: a partial update or a list filtered by the client need not carry it.
 */
import { parseEndpoint } from "./endpoint-pattern";
import { deleteAt, forEachObjectAt, getAt, isJsonObject, setAt, splitPath } from "./json-path";
import type { BreakingChangeSpec, TranslationSpec } from "./migration-spec";
import type { TranslationFunctions, VersionChange } from "./version-change";

type Declarative = Exclude<TranslationSpec, { module: string }>;

/** Builds the change of one breaking change whose translation is declarative. */
export function declarativeChange(
  index: number,
  spec: BreakingChangeSpec & { translation: Declarative },
): VersionChange {
  return assembleChange(index, spec, declarativeFunctions(spec.field, spec.translation));
}

/** Wraps a translation's functions (declarative or from a module) with the change's identity. */
export function assembleChange(
  index: number,
  spec: BreakingChangeSpec,
  functions: TranslationFunctions,
): VersionChange {
  return {
    id: `${index}-${spec.field}`,
    field: spec.field,
    description: spec.change,
    ...(spec.endpoints ? { endpoints: spec.endpoints.map(parseEndpoint) } : {}),
    forward: functions.forward,
    backward: functions.backward,
    fields: functions.fields ?? { from: [spec.field], to: [spec.field] },
  };
}

function declarativeFunctions(field: string, op: Declarative): TranslationFunctions {
  const segments = splitPath(field);
  const parent = segments.slice(0, -1);
  const key = segments[segments.length - 1] as string;
  const sibling = (name: string) => [...parent, name].join(".");
  const inParents = (visit: (object: Record<string, unknown>) => void) => (body: unknown) => {
    forEachObjectAt(body, parent, visit);
    return body;
  };
  if ("rename" in op) {
    const { to } = op.rename;
    return {
      forward: inParents((object) => moveKey(object, key, to)),
      backward: inParents((object) => moveKey(object, to, key)),
      fields: { from: [field], to: [sibling(to)] },
    };
  }
  if ("split" in op) {
    const { into, separator } = op.split;
    return {
      forward: inParents((object) => splitKey(object, key, into, separator)),
      backward: inParents((object) => joinKeys(object, into, key, separator)),
      fields: { from: [field], to: into.map(sibling) },
    };
  }
  if ("join" in op) {
    const { from, separator } = op.join;
    return {
      forward: inParents((object) => joinKeys(object, from, key, separator)),
      backward: inParents((object) => splitKey(object, key, from, separator)),
      fields: { from: from.map(sibling), to: [field] },
    };
  }
  if ("default" in op) {
    const { value } = op.default;
    return {
      forward: inParents((object) => {
        if (!Object.hasOwn(object, key)) object[key] = structuredClone(value);
      }),
      backward: inParents((object) => {
        delete object[key];
      }),
      fields: { from: [], to: [field] },
    };
  }
  if ("map_values" in op) {
    const forwardMap = new Map(Object.entries(op.map_values.values).map(([a, b]) => [a, b]));
    const backwardMap = new Map(
      Object.entries(op.map_values.values).map(([a, b]) => [String(b), a as unknown]),
    );
    const mapWith = (map: Map<string, unknown>) => (object: Record<string, unknown>) => {
      if (!Object.hasOwn(object, key)) return;
      const mapped = map.get(String(object[key]));
      if (mapped !== undefined) object[key] = mapped;
    };
    return {
      forward: inParents(mapWith(forwardMap)),
      backward: inParents(mapWith(backwardMap)),
      fields: { from: [field], to: [field] },
    };
  }
  if ("move" in op) {
    const toSegments = splitPath(op.move.to);
    return {
      forward: (body) => moveAcross(body, segments, toSegments),
      backward: (body) => moveAcross(body, toSegments, segments),
      fields: { from: [field], to: [op.move.to] },
    };
  }
  const { restore } = op.remove;
  return {
    forward: inParents((object) => {
      delete object[key];
    }),
    backward: inParents((object) => {
      if (restore !== undefined && !Object.hasOwn(object, key)) {
        object[key] = structuredClone(restore);
      }
    }),
    fields: { from: [field], to: [] },
  };
}

function moveKey(object: Record<string, unknown>, from: string, to: string): void {
  if (!Object.hasOwn(object, from)) return;
  object[to] = object[from];
  delete object[from];
}

/** "Ada King Lovelace" into [first, last]: one part each, the last part takes the rest. */
function splitKey(
  object: Record<string, unknown>,
  from: string,
  into: readonly string[],
  separator: string,
): void {
  if (!Object.hasOwn(object, from)) return;
  const value = object[from];
  delete object[from];
  const parts = value === null || value === undefined ? [] : String(value).split(separator);
  into.forEach((name, index) => {
    const last = index === into.length - 1;
    object[name] = (last ? parts.slice(index).join(separator) : parts[index]) ?? "";
  });
}

function joinKeys(
  object: Record<string, unknown>,
  from: readonly string[],
  into: string,
  separator: string,
): void {
  if (!from.some((name) => Object.hasOwn(object, name))) return;
  const parts = from
    .map((name) => object[name])
    .filter((value) => value !== undefined && value !== null && value !== "")
    .map(String);
  for (const name of from) delete object[name];
  object[into] = parts.join(separator);
}

/** Moves a value between two absolute paths, in the body or each element of a list body. */
function moveAcross(body: unknown, from: string[], to: string[]): unknown {
  const each = Array.isArray(body) ? body : [body];
  for (const element of each) {
    if (!isJsonObject(element)) continue;
    const value = getAt(element, from);
    if (value === undefined) continue;
    deleteAt(element, from);
    pruneEmptyParents(element, from);
    setAt(element, to, value);
  }
  return body;
}

/** Drops the objects a move left empty on its way (those the opposite move created). */
function pruneEmptyParents(root: Record<string, unknown>, segments: readonly string[]): void {
  for (let depth = segments.length - 1; depth > 0; depth -= 1) {
    const parent = getAt(root, segments.slice(0, depth));
    if (!isJsonObject(parent) || Object.keys(parent).length > 0) return;
    deleteAt(root, segments.slice(0, depth));
  }
}
