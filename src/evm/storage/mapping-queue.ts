/**
 * Mapping entries of 32-byte keys, queued by the layout walk (one item per mapping, however many
 * keys) until the next read. Fused entries (see fused-template.ts) become one pending item per
 * mapping, grouped by mapping instance for the reader to hash and read in the same call. The
 * others (a struct holding a mapping, say) are hashed first, in JavaScript when few, else by the
 * node, then expanded like any variable. Each mapping's entries are appended to the pass's pending
 * items in queue order, after its other expansions, whichever way they are read.
 */
import type { FusedTemplate } from "./fused-template";
import { expand, type Pending, type WalkContext } from "./layout-walk";
import type { MappedGroup, StorageReader } from "./storage-reader";
import { mappingValueSlot } from "./storage-slots";

/** Up to this many entries that cannot be fused are hashed in JavaScript, sparing a round. */
export const JS_HASH_LIMIT = 512;

/** One mapping's queued entries. */
export interface QueuedMapping {
  /** The mapping's path and value type; the slot of the mapping itself. */
  path: string;
  valueId: string;
  slot: bigint;
  /** Distinct 32-byte encoded keys. */
  keys: string[];
  /** How each key is written in its entry's path. */
  displays: string[];
  template: FusedTemplate | null;
  /** The mapping instance (its slot and value type): fused entries are grouped by it. */
  group: string;
}

/** Fused entries of the next read: one group (base slot, keys, members) per mapping instance. */
export interface FusedRound {
  groups: MappedGroup[];
  /** The template of each group, by index. */
  templates: FusedTemplate[];
  /** A mapping instance's group index. */
  index: Map<string, number>;
}

/** Where a snapshot reads: the reader, the contract and the pinned block. */
export interface ReadTarget {
  reader: StorageReader;
  address: string;
  blockTag: string;
}

/** A round with no fused entries yet. */
export function newFusedRound(): FusedRound {
  return { groups: [], templates: [], index: new Map() };
}

/**
 * Empties `ctx.mappings` into `out`: fused mappings as pending items of `round`, the others
 * hashed and expanded (which may queue more mappings, drained in turn).
 */
export async function drainMappingQueue(
  ctx: WalkContext,
  round: FusedRound,
  target: ReadTarget,
  out: Pending[],
): Promise<void> {
  const fused = target.reader.readMapped !== undefined;
  while (ctx.mappings.length > 0) {
    const queued = ctx.mappings.splice(0, ctx.mappings.length);
    const slots = await hashUnfused(queued, fused, target);
    let next = 0;
    for (const mapping of queued) {
      if (!fused || mapping.template === null) {
        for (const display of mapping.displays) {
          const entry = { path: `${mapping.path}[${display}]`, typeId: mapping.valueId, offset: 0 };
          expand(ctx, { ...entry, slot: slots[next++]! }, out);
        }
      } else {
        out.push(joinRound(round, mapping, mapping.template));
      }
    }
  }
}

/** The entry slots of the keys of every mapping that is not fused, in queue order. */
async function hashUnfused(
  queued: QueuedMapping[],
  fused: boolean,
  target: ReadTarget,
): Promise<bigint[]> {
  const loose = queued
    .filter((mapping) => !fused || mapping.template === null)
    .flatMap((mapping) => mapping.keys.map((key) => ({ key, slot: mapping.slot })));
  return loose.length <= JS_HASH_LIMIT
    ? loose.map((pair) => mappingValueSlot(pair.key, pair.slot))
    : target.reader.hashPairs(target.address, loose, target.blockTag);
}

/** Adds a fused mapping's keys to its instance's group of `round`; the pending item reads them. */
function joinRound(round: FusedRound, mapping: QueuedMapping, template: FusedTemplate): Pending {
  let group = round.index.get(mapping.group);
  if (group === undefined) {
    group = round.groups.length;
    round.index.set(mapping.group, group);
    round.groups.push({ base: mapping.slot, keys: [], members: template.members });
    round.templates.push(template);
  }
  const keys = round.groups[group]!.keys;
  const pending: Pending = {
    kind: "fused",
    path: mapping.path,
    displays: mapping.displays,
    template,
    group,
    from: keys.length,
  };
  for (const key of mapping.keys) keys.push(key);
  return pending;
}
