import { isJsonObject } from "./json-path";

/** One field that differs between two JSON values. */
export interface FieldDifference {
  /** Dotted path (`user.name`, `users.1.status`); `(body)` for the whole body. */
  field: string;
  expected: unknown;
  actual: unknown;
}

/** Every field that differs, field by field; values equal to `ignore` in `expected` are skipped. */
export function diffJson(
  expected: unknown,
  actual: unknown,
  ignore?: unknown,
  prefix = "",
): FieldDifference[] {
  if (ignore !== undefined && expected === ignore) return [];
  const here = prefix === "" ? "(body)" : prefix;
  const at = (key: string) => (prefix === "" ? key : `${prefix}.${key}`);
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: FieldDifference[] = [];
    for (let index = 0; index < Math.max(expected.length, actual.length); index += 1) {
      out.push(...diffJson(expected[index], actual[index], ignore, at(String(index))));
    }
    return out;
  }
  if (isJsonObject(expected) && isJsonObject(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((key) => diffJson(expected[key], actual[key], ignore, at(key)));
  }
  return Object.is(expected, actual) ? [] : [{ field: here, expected, actual }];
}
