/**
 * The API migration spec: one YAML document with `api_migration` at its root, validated with zod
 * so that a bad spec is one line per problem, each naming its path in the document (AEGIS-E501),
 * before anything is served or rolled out. Translations are data (declarative operations) or the
 * name of a TypeScript module's export; a spec never carries code to evaluate.
 */
import { parseDocument } from "yaml";
import { z } from "zod";
import { SpecInvalidError, SpecUnreadableError } from "./errors";
import { SPEC_DURATION_PATTERN } from "./spec-duration";

const duration = z
  .string()
  .regex(SPEC_DURATION_PATTERN, 'a duration such as "90d", "2h" or "500ms"');
/** YAML reads an unquoted 2027-06-30 as a string here (the core schema), so dates stay text. */
const isoDate = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), "a date such as 2027-06-30");
const fieldPath = z
  .string()
  .regex(/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/, "a dotted field path such as user.name");
const fieldName = z.string().regex(/^[A-Za-z_][\w-]*$/, "a field name such as first_name");
/** "GET /users/{id}", or a path alone for every method. */
const endpoint = z
  .string()
  .regex(
    /^((GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) )?\/\S*$/,
    'an endpoint such as "GET /users/{id}" or "/users/{id}"',
  );

/** The declarative translations: each a single-key object naming the operation. */
const translation = z.union(
  [
    z.strictObject({ rename: z.strictObject({ to: fieldName }) }),
    z.strictObject({
      split: z.strictObject({
        into: z.array(fieldName).min(2),
        separator: z.string().min(1).default(" "),
      }),
    }),
    z.strictObject({
      join: z.strictObject({
        from: z.array(fieldName).min(2),
        separator: z.string().min(1).default(" "),
      }),
    }),
    z.strictObject({ default: z.strictObject({ value: z.unknown() }) }),
    z.strictObject({
      map_values: z.strictObject({
        values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      }),
    }),
    z.strictObject({ move: z.strictObject({ to: fieldPath }) }),
    z.strictObject({ remove: z.strictObject({ restore: z.unknown().optional() }) }),
    z.strictObject({
      module: z.string().min(1),
      export: z.string().regex(/^[A-Za-z_$][\w$]*$/, "an export name"),
    }),
  ],
  {
    error:
      "one operation of rename, split, join, default, map_values, move, remove (with its fields), or module with export",
  },
);

const breakingChange = z.strictObject({
  field: fieldPath,
  change: z.string().min(1),
  translation,
  /** Only bodies of these endpoints are translated; default every endpoint. */
  endpoints: z.array(endpoint).optional(),
});

const deprecation = z.strictObject({
  endpoint,
  replacement: endpoint,
  sunset_date: isoDate,
  /** When it was (or will be) deprecated: the Deprecation header's date. */
  deprecated_since: isoDate.optional(),
});

const stage = z.strictObject({
  percent: z.number().gt(0).max(100),
  duration,
  /** Requests the new handler must have served before the stage can pass. */
  min_requests: z.number().int().min(0).optional(),
});

const gate = z.strictObject({
  baseline: z.number(),
  acceptable: z.number(),
  critical: z.number(),
});

const traffic = z.discriminatedUnion("adapter", [
  z.strictObject({
    adapter: z.literal("in-process"),
    /** TypeScript module (relative to the spec) exporting createOldHandler and createNewHandler. */
    service: z.string().min(1),
    host: z.string().default("127.0.0.1"),
    port: z.number().int().min(0).max(65_535).default(8080),
  }),
  z.strictObject({
    adapter: z.literal("haproxy"),
    socket: z.string().min(1),
    backend: z.string().min(1),
    old_servers: z.array(z.string().min(1)).min(1),
    new_servers: z.array(z.string().min(1)).min(1),
  }),
]);

const rollout = z.strictObject({
  stages: z
    .array(stage)
    .min(1)
    .default([
      { percent: 10, duration: "1h" },
      { percent: 50, duration: "2h" },
      { percent: 100, duration: "4h" },
    ]),
  /** Multiplies every stage's duration (0.001 turns an hour into 3.6 s): rehearsals and tests. */
  time_scale: z.number().gt(0).max(1).default(1),
  triggers: z
    .array(z.string())
    .default(["error_rate > 5%", "response_time > 500ms", "availability < 99.9%"]),
  gates: z
    .strictObject({
      error_rate: gate.optional(),
      p99_ms: gate.optional(),
      availability: gate.optional(),
    })
    .default({}),
  min_requests: z.number().int().min(0).default(20),
  traffic: traffic.optional(),
  /** Recorded v1 exchanges replayed against v2 as the rollout's first checkpoint. */
  recordings: z.string().optional(),
});

const versionResolution = z.strictObject({
  header: z.string().min(1).default("API-Version"),
  path_prefix: z.boolean().default(true),
  /** The version of a request that names none: old clients keep what they had. */
  default: z.string().optional(),
});

const apiMigration = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/, "a short id such as users-v2"),
  from_version: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, "a version such as v1"),
  to_version: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, "a version such as v2"),
  version: versionResolution.default({ header: "API-Version", path_prefix: true }),
  deprecations: z.array(deprecation).default([]),
  breaking_changes: z.array(breakingChange).default([]),
  compatibility_layer: z
    .strictObject({
      enabled: z.boolean().default(true),
      duration,
      auto_translate: z.boolean().default(true),
      /** When the layer went live; it ends `duration` later. */
      start_date: isoDate.optional(),
      /** Fields never written to a recording. */
      redact: z.array(z.string()).default([]),
    })
    .default({ enabled: true, duration: "90d", auto_translate: true, redact: [] }),
  rollout: rollout.optional(),
});

const specFile = z.strictObject({ api_migration: apiMigration });

/** A validated spec (defaults filled in). */
export type MigrationSpec = z.infer<typeof apiMigration>;
/** One breaking change of a spec. */
export type BreakingChangeSpec = z.infer<typeof breakingChange>;
/** A breaking change's translation: a declarative operation or a module's export. */
export type TranslationSpec = z.infer<typeof translation>;
/** One deprecated endpoint. */
export type DeprecationSpec = z.infer<typeof deprecation>;
/** The rollout section (defaults filled in). */
export type RolloutSpec = z.infer<typeof rollout>;
/** How traffic is split between the old and the new handler. */
export type TrafficSpec = z.infer<typeof traffic>;

/**
 * Parses and validates a spec's text; AEGIS-E500 when it is not YAML, AEGIS-E501 naming each
 * problem (as `path: message`) when it is not an api_migration.
 */
export function parseMigrationSpec(text: string, file: string): MigrationSpec {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    throw new SpecUnreadableError(file, document.errors[0]?.message ?? "not YAML");
  }
  const parsed = specFile.safeParse(document.toJS());
  if (!parsed.success) {
    throw new SpecInvalidError(
      file,
      parsed.error.issues.map((issue) => {
        // Every path starts at api_migration: the problem reads better from the fields inside.
        const at = issue.path[0] === "api_migration" ? issue.path.slice(1) : issue.path;
        return `${at.join(".") || "(root)"}: ${issue.message}`;
      }),
    );
  }
  const spec = parsed.data.api_migration;
  const problems = crossChecks(spec);
  if (problems.length > 0) throw new SpecInvalidError(file, problems);
  return spec;
}

/** What one field cannot say alone: versions differ, stages climb to 100%. */
function crossChecks(spec: MigrationSpec): string[] {
  const problems: string[] = [];
  if (spec.from_version === spec.to_version) {
    problems.push(`to_version: must differ from from_version (${spec.from_version})`);
  }
  const known = [spec.from_version, spec.to_version];
  if (spec.version.default !== undefined && !known.includes(spec.version.default)) {
    problems.push(`version.default: must be ${known.join(" or ")}`);
  }
  const stages = spec.rollout?.stages ?? [];
  stages.forEach((stage, index) => {
    const previous = stages[index - 1];
    if (previous !== undefined && stage.percent <= previous.percent) {
      problems.push(`rollout.stages.${index}.percent: must be above the previous stage's`);
    }
  });
  if (stages.length > 0 && stages[stages.length - 1]?.percent !== 100) {
    problems.push(`rollout.stages: the last stage must send 100% of the traffic`);
  }
  return problems;
}
