import type { EndpointPattern } from "./endpoint-pattern";

/**
 * One breaking change between two versions, as the layer runs it (Stripe's version-change
 * modules): a request from an old client is translated forward, the response back. Both
 * functions may change the body in place; the layer hands them a body it owns.
 */
export interface VersionChange {
  /** `<index>-<field>`, for reports and errors. */
  id: string;
  /** The field the spec names. */
  field: string;
  /** The spec's words for the change. */
  description: string;
  /** Only bodies of these endpoints are translated; undefined: every endpoint. */
  endpoints?: EndpointPattern[];
  /** Old version's body -> new version's (requests). */
  forward(body: unknown): unknown;
  /** New version's body -> old version's (responses). */
  backward(body: unknown): unknown;
  /** The fields this change reads or writes on each side, as dotted paths (api:diff checks them). */
  fields: { from: string[]; to: string[] };
}

/** What a translation module exports under the name a spec gives. */
export interface TranslationFunctions {
  forward(body: unknown): unknown;
  backward(body: unknown): unknown;
  /** The fields it touches, for api:diff; default the spec's field on both sides. */
  fields?: { from: string[]; to: string[] };
}
