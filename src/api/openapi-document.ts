/**
 * OpenAPI 3 documents as api:diff reads them: the operations (method and path template), and
 * for each its parameters, JSON request body and JSON responses, with local `$ref`s resolved.
 */
import fs from "node:fs";
import { parse } from "yaml";
import { OpenApiInvalidError } from "./errors";
import { isJsonObject, type JsonObject } from "./json-path";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"] as const;

/** A JSON schema (the subset api:diff compares). */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
}

/** One parameter of an operation. */
export interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema?: Schema;
}

/** One operation of a document. */
export interface Operation {
  /** `GET /users/{id}` as written. */
  endpoint: string;
  method: string;
  /** The template with parameter names erased (`/users/{}`), to pair operations of two versions. */
  key: string;
  parameters: Parameter[];
  requestBody?: { required: boolean; schema: Schema };
  /** JSON response schemas by status. */
  responses: Record<string, Schema>;
}

/** A document's operations, keyed by `METHOD /template/{}`. */
export type OperationIndex = Map<string, Operation>;

/** Reads an OpenAPI document (YAML or JSON); AEGIS-E520 when it cannot be used. */
export function loadOpenApi(file: string): OperationIndex {
  let document: unknown;
  try {
    document = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new OpenApiInvalidError(file, (error as Error).message);
  }
  if (!isJsonObject(document) || !isJsonObject(document.paths)) {
    throw new OpenApiInvalidError(file, "it has no paths object");
  }
  return operationsOf(document, file);
}

/** The operations of a parsed document. */
export function operationsOf(document: JsonObject, file: string): OperationIndex {
  const resolve = (value: unknown, seen: readonly string[] = []): unknown => {
    if (!isJsonObject(value)) return value;
    const ref = value.$ref;
    if (typeof ref !== "string") return value;
    if (!ref.startsWith("#/"))
      throw new OpenApiInvalidError(file, `only local $refs are read (${ref})`);
    if (seen.includes(ref)) return {};
    let target: unknown = document;
    for (const part of ref.slice(2).split("/")) {
      target = isJsonObject(target)
        ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")]
        : undefined;
    }
    if (target === undefined) throw new OpenApiInvalidError(file, `$ref ${ref} points nowhere`);
    return resolve(target, [...seen, ref]);
  };
  const schemaOf = (value: unknown, seen: readonly string[] = []): Schema => {
    const raw = resolve(value, seen);
    if (!isJsonObject(raw)) return {};
    const ref =
      isJsonObject(value) && typeof value.$ref === "string" ? [...seen, value.$ref] : seen;
    const schema: Schema = {};
    if (typeof raw.type === "string") schema.type = raw.type;
    if (Array.isArray(raw.enum)) schema.enum = raw.enum;
    if (Array.isArray(raw.required)) schema.required = raw.required.map(String);
    if (isJsonObject(raw.properties)) {
      schema.properties = Object.fromEntries(
        Object.entries(raw.properties).map(([name, property]) => [name, schemaOf(property, ref)]),
      );
      schema.type ??= "object";
    }
    if (raw.items !== undefined) {
      schema.items = schemaOf(raw.items, ref);
      schema.type ??= "array";
    }
    return schema;
  };
  const jsonSchema = (content: unknown): Schema | undefined => {
    if (!isJsonObject(content)) return undefined;
    const media = Object.entries(content).find(([type]) => type.includes("json"))?.[1];
    return isJsonObject(media) && media.schema !== undefined ? schemaOf(media.schema) : undefined;
  };
  const index: OperationIndex = new Map();
  for (const [template, rawItem] of Object.entries(document.paths as JsonObject)) {
    const item = resolve(rawItem);
    if (!isJsonObject(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const operation = resolve(item[method]);
      if (!isJsonObject(operation)) continue;
      const own = Array.isArray(operation.parameters) ? operation.parameters : [];
      const parameters = [...shared, ...own]
        .map((parameter) => resolve(parameter))
        .filter(isJsonObject)
        .map((parameter) => ({
          name: String(parameter.name),
          in: String(parameter.in),
          required: parameter.required === true || parameter.in === "path",
          ...(parameter.schema === undefined ? {} : { schema: schemaOf(parameter.schema) }),
        }));
      const body = resolve(operation.requestBody);
      const requestSchema = isJsonObject(body) ? jsonSchema(body.content) : undefined;
      const responses: Record<string, Schema> = {};
      if (isJsonObject(operation.responses)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const resolved = resolve(response);
          const schema = isJsonObject(resolved) ? jsonSchema(resolved.content) : undefined;
          if (schema !== undefined) responses[status] = schema;
        }
      }
      const endpoint = `${method.toUpperCase()} ${template}`;
      index.set(`${method.toUpperCase()} ${template.replace(/\{[^}]+\}/g, "{}")}`, {
        endpoint,
        method: method.toUpperCase(),
        key: `${method.toUpperCase()} ${template.replace(/\{[^}]+\}/g, "{}")}`,
        parameters,
        ...(requestSchema === undefined
          ? {}
          : {
              requestBody: {
                required: isJsonObject(body) && body.required === true,
                schema: requestSchema,
              },
            }),
        responses,
      });
    }
  }
  return index;
}

/** Every field path of a schema (arrays are transparent: `users.name`). */
export function fieldPathsOf(schema: Schema, prefix = ""): string[] {
  if (schema.items) return fieldPathsOf(schema.items, prefix);
  const out: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    out.push(path, ...fieldPathsOf(property, path));
  }
  return out;
}
