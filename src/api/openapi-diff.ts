/**
 * Breaking changes between two OpenAPI documents, as an old client meets them: endpoints
 * removed, fields removed or renamed, types changed, new required inputs, enums narrowed. Each
 * finding is then checked against the spec: translated by a breaking change (or, for a removed
 * endpoint, covered by a deprecation), or not, which api:diff reports as an error.
 */
import { matchEndpoint, parseEndpoint } from "./endpoint-pattern";
import { TranslationFieldMissingError } from "./errors";
import type { MigrationSpec } from "./migration-spec";
import { fieldPathsOf, type Operation, type OperationIndex, type Schema } from "./openapi-document";
import type { TranslationChain } from "./translation-chain";
import type { VersionChange } from "./version-change";

/** The kinds of breaking change api:diff finds. */
export type FindingKind =
  | "endpoint-removed"
  | "field-removed"
  | "field-renamed"
  | "type-changed"
  | "required-added"
  | "enum-narrowed";

/** One breaking change between the documents. */
export interface DiffFinding {
  kind: FindingKind;
  /** `GET /users/{id}` as the old document writes it. */
  endpoint: string;
  /** `request`, `response 200` or `parameters`. */
  where: string;
  /** The field's dotted path in the body (or `query.limit` for a parameter). */
  field?: string;
  /** The field in the new document, for a rename. */
  renamedTo?: string;
  detail: string;
}

/** A finding with its verdict against the spec. */
export interface CheckedFinding extends DiffFinding {
  translated: boolean;
  /** What translates it: a breaking change's id, or a deprecation. */
  by?: string;
}

/** Compares two documents. */
export function diffOpenApi(before: OperationIndex, after: OperationIndex): DiffFinding[] {
  const findings: DiffFinding[] = [];
  for (const [key, old] of before) {
    const next = after.get(key);
    if (next === undefined) {
      findings.push({
        kind: "endpoint-removed",
        endpoint: old.endpoint,
        where: "paths",
        detail: `${old.endpoint} is gone`,
      });
      continue;
    }
    findings.push(...compareParameters(old, next));
    if (next.requestBody !== undefined) {
      const oldSchema = old.requestBody?.schema ?? {};
      findings.push(
        ...compareSchemas(old.endpoint, "request", oldSchema, next.requestBody.schema, ""),
      );
    }
    for (const [status, schema] of Object.entries(old.responses)) {
      const nextSchema = next.responses[status];
      if (nextSchema !== undefined) {
        findings.push(
          ...compareSchemas(old.endpoint, `response ${status}`, schema, nextSchema, ""),
        );
      }
    }
  }
  return findings;
}

function compareParameters(old: Operation, next: Operation): DiffFinding[] {
  const findings: DiffFinding[] = [];
  for (const parameter of next.parameters) {
    if (parameter.in === "path") continue;
    const before = old.parameters.find((p) => p.name === parameter.name && p.in === parameter.in);
    if (parameter.required && !before?.required) {
      findings.push({
        kind: "required-added",
        endpoint: old.endpoint,
        where: "parameters",
        field: `${parameter.in}.${parameter.name}`,
        detail: `${parameter.in} parameter ${parameter.name} is now required`,
      });
    }
  }
  return findings;
}

function compareSchemas(
  endpoint: string,
  where: string,
  old: Schema,
  next: Schema,
  prefix: string,
): DiffFinding[] {
  const at = (name: string) => (prefix === "" ? name : `${prefix}.${name}`);
  const findings: DiffFinding[] = [];
  const field = prefix === "" ? undefined : prefix;
  if (old.type !== undefined && next.type !== undefined && old.type !== next.type) {
    return [
      {
        kind: "type-changed",
        endpoint,
        where,
        ...(field ? { field } : {}),
        detail: `${field ?? "body"} was ${old.type}, is ${next.type}`,
      },
    ];
  }
  if (old.enum !== undefined && next.enum !== undefined) {
    const dropped = old.enum.filter((value) => !next.enum!.includes(value));
    if (dropped.length > 0) {
      findings.push({
        kind: "enum-narrowed",
        endpoint,
        where,
        ...(field ? { field } : {}),
        detail: `${field ?? "body"} no longer takes ${dropped.map((v) => JSON.stringify(v)).join(", ")}`,
      });
    }
  }
  if (old.items !== undefined && next.items !== undefined) {
    return [...findings, ...compareSchemas(endpoint, where, old.items, next.items, prefix)];
  }
  const oldProps = old.properties ?? {};
  const nextProps = next.properties ?? {};
  const removed = Object.keys(oldProps).filter((name) => !(name in nextProps));
  const added = Object.keys(nextProps).filter((name) => !(name in oldProps));
  // One field gone and one of the same type come in its place reads as a rename.
  const renamed =
    removed.length === 1 &&
    added.length === 1 &&
    oldProps[removed[0]!]?.type === nextProps[added[0]!]?.type;
  for (const name of removed) {
    findings.push(
      renamed
        ? {
            kind: "field-renamed",
            endpoint,
            where,
            field: at(name),
            renamedTo: at(added[0]!),
            detail: `${at(name)} became ${at(added[0]!)}`,
          }
        : {
            kind: "field-removed",
            endpoint,
            where,
            field: at(name),
            detail: `${at(name)} is gone`,
          },
    );
  }
  if (where === "request") {
    const wasRequired = new Set(old.required ?? []);
    for (const name of next.required ?? []) {
      if (!wasRequired.has(name) && !(renamed && name === added[0])) {
        findings.push({
          kind: "required-added",
          endpoint,
          where,
          field: at(name),
          detail: `${at(name)} is now required`,
        });
      }
    }
  }
  for (const name of Object.keys(oldProps)) {
    if (name in nextProps) {
      findings.push(
        ...compareSchemas(endpoint, where, oldProps[name]!, nextProps[name]!, at(name)),
      );
    }
  }
  return findings;
}

/** Marks each finding translated or not by the spec's changes and deprecations. */
export function checkFindings(
  findings: readonly DiffFinding[],
  spec: MigrationSpec,
  chain: TranslationChain,
): CheckedFinding[] {
  const deprecations = spec.deprecations.map((item) => ({
    item,
    pattern: parseEndpoint(item.endpoint),
  }));
  return findings.map((finding) => {
    if (finding.kind === "endpoint-removed") {
      const [method, template] = finding.endpoint.split(" ") as [string, string];
      const covering = deprecations.find(
        ({ pattern }) =>
          matchEndpoint(pattern, method, template.replace(/\{[^}]+\}/g, "x")) !== undefined,
      );
      return covering
        ? { ...finding, translated: true, by: `deprecation (sunset ${covering.item.sunset_date})` }
        : { ...finding, translated: false };
    }
    const change = chain.changes.find((candidate) => covers(candidate, finding));
    return change
      ? { ...finding, translated: true, by: change.id }
      : { ...finding, translated: false };
  });
}

function covers(change: VersionChange, finding: DiffFinding): boolean {
  if (finding.field === undefined) return false;
  const [method, template] = finding.endpoint.split(" ") as [string, string];
  const applies =
    change.endpoints === undefined ||
    change.endpoints.some((endpoint) =>
      matchEndpoint(endpoint, method, template.replace(/\{[^}]+\}/g, "x")),
    );
  if (!applies) return false;
  const sides =
    finding.kind === "required-added"
      ? change.fields.to
      : [...change.fields.from, ...change.fields.to];
  return sides.includes(finding.field);
}

/**
 * Checks that every field a translation reads exists where it reads it: the old-side fields in
 * the old document, the new-side ones in the new (AEGIS-E503 for the first that does not).
 */
export function checkTranslationFields(
  chain: TranslationChain,
  before: OperationIndex,
  after: OperationIndex,
  names: { before: string; after: string },
): void {
  const fields = (index: OperationIndex) => {
    const out = new Set<string>();
    for (const operation of index.values()) {
      for (const schema of [operation.requestBody?.schema, ...Object.values(operation.responses)]) {
        if (schema) for (const path of fieldPathsOf(schema)) out.add(path);
      }
    }
    return out;
  };
  const beforeFields = fields(before);
  const afterFields = fields(after);
  for (const change of chain.changes) {
    const missingBefore = change.fields.from.find((field) => !beforeFields.has(field));
    if (missingBefore)
      throw new TranslationFieldMissingError(change.id, missingBefore, names.before);
    const missingAfter = change.fields.to.find((field) => !afterFields.has(field));
    if (missingAfter) throw new TranslationFieldMissingError(change.id, missingAfter, names.after);
  }
}
