/**
 * The journal's secret guard. Journals are kept, copied into tickets and attached to reviews,
 * so no key material or credential may ever reach one. Redaction is by key name (a private key
 * and a transaction hash are both 32-byte hex: only the name tells them apart) plus URLs, which
 * carry keys in RPC and database connection strings.
 *
 * The rule for URLs lives here, and only here (safeUrl): a URL is shown and stored as its
 * scheme, host and port plus a short fingerprint, never with its path, query, fragment or user
 * info. Providers put API keys in any of those (`/v2/<key>`, `?apikey=`, `user:key@`), so none is
 * kept, whatever the provider.
 */
import { createHash } from "node:crypto";
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

/** A URL inside free text: a scheme, "://" and everything up to a space, a quote or an escape. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>\\]+/gi;
/** Punctuation that ends a sentence or a parenthesis around a URL rather than the URL. */
const TRAILING_PUNCTUATION = /[).,;:!?\]}]+$/;
/** A secret parameter outside any URL (a query string quoted on its own). */
const URL_SECRET_PARAM =
  /([?&](?:api[_-]?key|apikey|key|token|access[_-]?token|auth|secret|password|pass)=)[^&#\s]+/gi;
/** Ports implied by a scheme, written out so that every shown URL names its port. */
const DEFAULT_PORTS: Record<string, string> = {
  http: "80",
  https: "443",
  ws: "80",
  wss: "443",
  postgres: "5432",
  postgresql: "5432",
  mysql: "3306",
  mariadb: "3306",
};

/** The first 8 hex digits of the SHA-256 of a URL as given: tells two URLs apart, reveals neither. */
export function urlFingerprint(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 8);
}

/**
 * A URL as it may be shown or stored: `scheme://host:port #fingerprint`, never its path, query,
 * fragment or user info. Text that is not a URL is shown as `<not a url> #fingerprint`.
 */
export function safeUrl(url: string): string {
  const fingerprint = urlFingerprint(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `<not a url> #${fingerprint}`;
  }
  const scheme = parsed.protocol.replace(/:$/, "").toLowerCase();
  if (parsed.hostname === "") return `${scheme}:<no host> #${fingerprint}`;
  const port = parsed.port || DEFAULT_PORTS[scheme];
  return `${scheme}://${parsed.hostname}${port === undefined ? "" : `:${port}`} #${fingerprint}`;
}

/** Whether a URL found in text holds nothing beyond scheme, host and port (so it stays as is). */
function isBareOrigin(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.username === "" &&
      parsed.password === "" &&
      (parsed.pathname === "" || parsed.pathname === "/") &&
      parsed.search === "" &&
      parsed.hash === "" &&
      !url.includes("@") &&
      !url.includes("?") &&
      !url.includes("#")
    );
  } catch {
    return false;
  }
}

function redactUrlInText(token: string): string {
  const trailing = TRAILING_PUNCTUATION.exec(token)?.[0] ?? "";
  const url = token.slice(0, token.length - trailing.length);
  return isBareOrigin(url) ? token : `${safeUrl(url)}${trailing}`;
}

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

/**
 * Applies the URL rule to every URL inside a string (safeUrl: scheme, host, port, fingerprint),
 * and removes secret parameters quoted outside a URL. A URL that is a bare origin stays as is.
 */
export function redactString(text: string): string {
  if (!text.includes("://") && !text.includes("=")) return text;
  return text.replace(URL_IN_TEXT, redactUrlInText).replace(URL_SECRET_PARAM, `$1${REDACTED}`);
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
