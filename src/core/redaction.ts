/**
 * The journal's secret guard. Journals are kept, copied into tickets and attached to reviews,
 * so no key material or credential may ever reach one. Redaction is by key name (a private key
 * and a transaction hash are both 32-byte hex: only the name tells them apart) plus credentials
 * embedded in URLs, which show up in RPC and database connection strings.
 */
import { pathOfTrail, type ValueTrail } from "./value-path";

/** What replaces a redacted value. */
export const REDACTED = "[REDACTED]";

/** The result of redacting a value: the cleaned value and where secrets were found. */
export interface Redaction<T> {
  value: T;
  /** Dotted paths of the values that were replaced or cleaned (empty when nothing was). */
  paths: string[];
}

// Compared against the key lower-cased with separators removed, so private_key, privateKey
// and PRIVATE-KEY all match.
const SECRET_KEY_PARTS = [
  "privatekey",
  "mnemonic",
  "seedphrase",
  "secret",
  "password",
  "passphrase",
  "apikey",
  "authtoken",
  "accesstoken",
  "refreshtoken",
  "bearertoken",
  "authorization",
  "credential",
];

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const URL_SECRET_PARAM =
  /([?&](?:api[_-]?key|apikey|key|token|access[_-]?token|auth|secret|password|pass)=)[^&#\s]+/gi;
const RPC_PATH_KEY = /((?:infura\.io\/v3|alchemy\.com\/v2|alchemyapi\.io\/v2)\/)[A-Za-z0-9_-]+/gi;

// Journals use a small vocabulary of field names; remembering the verdict per name keeps the
// guard cheap on every line. Bounded so that data-derived keys cannot grow it without limit.
const secretKeyCache = new Map<string, boolean>();

/** Whether a field name designates a secret whose value must never be journaled. */
export function isSecretKey(key: string): boolean {
  const cached = secretKeyCache.get(key);
  if (cached !== undefined) return cached;
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  const secret = SECRET_KEY_PARTS.some((part) => normalized.includes(part));
  if (secretKeyCache.size < 10_000) secretKeyCache.set(key, secret);
  return secret;
}

/** Removes credentials embedded in URLs inside a string (user:pass@, ?apiKey=, RPC path keys). */
export function redactString(text: string): string {
  if (!text.includes("://") && !text.includes("=")) return text;
  return text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(URL_SECRET_PARAM, `$1${REDACTED}`)
    .replace(RPC_PATH_KEY, `$1${REDACTED}`);
}

/** Returns a copy of a value with secrets redacted; values without secrets are returned as is. */
export function redactSecrets<T>(value: T): Redaction<T> {
  const paths: string[] = [];
  const cleaned = walk(value, [], paths) as T;
  return { value: cleaned, paths };
}

function walk(value: unknown, trail: ValueTrail, paths: string[]): unknown {
  if (typeof value === "string") {
    const cleaned = redactString(value);
    if (cleaned !== value) paths.push(pathOfTrail(trail));
    return cleaned;
  }
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item, index) => {
      trail.push(index);
      const next = walk(item, trail, paths);
      trail.pop();
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  // Copy only once something changed: most journal lines hold no secret at all.
  let out: Record<string, unknown> | undefined;
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields);
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as string;
    const field = fields[key];
    trail.push(key);
    let next: unknown;
    if (isSecretKey(key) && field !== undefined && field !== null && field !== REDACTED) {
      next = REDACTED;
      paths.push(pathOfTrail(trail));
    } else {
      next = walk(field, trail, paths);
    }
    trail.pop();
    if (next !== field && out === undefined) {
      out = {};
      for (const earlierKey of keys.slice(0, index)) setOwn(out, earlierKey, fields[earlierKey]);
    }
    if (out !== undefined) setOwn(out, key, next);
  }
  return out ?? value;
}

/** Sets a field even when its name is "__proto__", which a plain assignment would swallow. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
