/**
 * The keys and indexes leading to a value inside a journaled value. Walks over every journal
 * line keep it as a trail and build the dotted path only when a message needs it (an error, a
 * redacted secret), which is rare.
 */
export type ValueTrail = Array<string | number>;

/** The trail as messages name it: `a.b[2].c`. */
export function pathOfTrail(trail: ValueTrail): string {
  let path = "";
  for (const part of trail) {
    if (typeof part === "number") path = `${path}[${part}]`;
    else path = path ? `${path}.${part}` : part;
  }
  return path;
}
