/**
 * Errors of the API side (`AEGIS-E5xx`): each a class with its registered code, a one-line
 * message naming what is wrong and a hint saying how to fix it. Tasks print the three.
 */
import { AegisError } from "../core/errors";
import { API_ERROR_CODES } from "./error-codes";

/** AEGIS-E500: the spec file cannot be read or is not YAML. */
export class SpecUnreadableError extends AegisError {
  /** Names the file and why it could not be read. */
  constructor(file: string, reason: string) {
    super(
      API_ERROR_CODES.SPEC_UNREADABLE,
      `cannot read the API migration spec ${file}: ${oneLine(reason)}`,
      "give api:rollout --spec (or api:diff, api:verify) the path of a YAML file, like migrations/api/user-v2.yaml",
    );
  }
}

/** AEGIS-E501: the spec does not have the shape of an api_migration. */
export class SpecInvalidError extends AegisError {
  /** Names the spec and each problem with its path in the document. */
  constructor(
    file: string,
    public readonly problems: readonly string[],
  ) {
    super(
      API_ERROR_CODES.SPEC_INVALID,
      `API migration spec ${file} is invalid: ${problems.join("; ")}`,
      "fix the fields named (each as its path in the YAML document); README.md, section API migrations, lists them",
    );
  }
}

/** AEGIS-E502: a translation names a TypeScript module or export that cannot be loaded. */
export class TranslationModuleError extends AegisError {
  /** Names the module, the export and what is wrong with it. */
  constructor(module: string, exportName: string, reason: string) {
    super(
      API_ERROR_CODES.TRANSLATION_MODULE,
      `translation ${exportName} of module ${module}: ${oneLine(reason)}`,
      "the module path is relative to the spec file; it must export an object with forward(body) and backward(body) functions under that name",
    );
  }
}

/** AEGIS-E503: a translation reads a field the API does not have. */
export class TranslationFieldMissingError extends AegisError {
  /** Names the breaking change, the field and where it was looked for. */
  constructor(change: string, field: string, where: string) {
    super(
      API_ERROR_CODES.TRANSLATION_FIELD_MISSING,
      `breaking change ${change} translates field ${field}, which ${where} does not have`,
      "name the field as its dotted path in the JSON body (e.g. user.name), as the OpenAPI document spells it",
    );
  }
}

/** AEGIS-E510: a request asks for a version the layer does not serve. */
export class UnknownVersionError extends AegisError {
  /** Names the version asked for and those served. */
  constructor(version: string, known: readonly string[]) {
    super(
      API_ERROR_CODES.UNKNOWN_VERSION,
      `API version ${JSON.stringify(version)} is not served`,
      `ask for one of ${known.join(", ")} in the version header or as the first path segment`,
    );
  }
}

/** AEGIS-E511: a request or a response to translate is not JSON. */
export class InvalidJsonBodyError extends AegisError {
  /** Says whose body it was. */
  constructor(what: string) {
    super(
      API_ERROR_CODES.INVALID_JSON_BODY,
      `the ${what} body is not JSON and cannot be translated`,
      "send a JSON body (content-type application/json), or no body",
    );
  }
}

/** AEGIS-E512: a deprecated endpoint was called after its sunset date. */
export class EndpointGoneError extends AegisError {
  /** Names the endpoint, its sunset and its replacement. */
  constructor(endpoint: string, sunset: string, replacement: string) {
    super(
      API_ERROR_CODES.ENDPOINT_GONE,
      `${endpoint} was retired on ${sunset}`,
      `call ${replacement} instead`,
    );
  }
}

/** AEGIS-E520: an OpenAPI document cannot be read or has no paths. */
export class OpenApiInvalidError extends AegisError {
  /** Names the document and what is wrong. */
  constructor(file: string, reason: string) {
    super(
      API_ERROR_CODES.OPENAPI_INVALID,
      `OpenAPI document ${file} cannot be used: ${oneLine(reason)}`,
      "give api:diff --from and --to OpenAPI 3 documents (YAML or JSON) that have a paths object",
    );
  }
}

/** AEGIS-E521: api:diff found breaking changes that the spec does not translate. */
export class UntranslatedBreakingChangeError extends AegisError {
  /** Counts them and names the first. */
  constructor(count: number, first: string) {
    super(
      API_ERROR_CODES.UNTRANSLATED_BREAKING_CHANGE,
      `${count} breaking change(s) have no translation in the spec, first: ${first}`,
      "add a breaking_changes entry (or a deprecation, for a removed endpoint) for each finding marked untranslated",
    );
  }
}

/** AEGIS-E530: the traffic split could not be set or read. */
export class TrafficSplitError extends AegisError {
  /** Names the adapter and what failed. */
  constructor(adapter: string, reason: string) {
    super(
      API_ERROR_CODES.TRAFFIC_SPLIT_FAILED,
      `traffic split (${adapter}) failed: ${oneLine(reason)}`,
      "check that the load balancer is up and its runtime API socket is writable, then continue with api:rollout --resume",
    );
  }
}

/** AEGIS-E531: HAProxy is not installed or did not start. */
export class HaproxyUnavailableError extends AegisError {
  /** Says what was tried. */
  constructor(reason: string) {
    super(
      API_ERROR_CODES.HAPROXY_UNAVAILABLE,
      `HAProxy is not available: ${oneLine(reason)}`,
      "install Debian's haproxy package (apt-get install -y haproxy), or use the in-process traffic split",
    );
  }
}

/** AEGIS-E532: a rollout option (stages, triggers, gates, time scale) makes no sense. */
export class InvalidRolloutOptionError extends AegisError {
  /** Names the option and what is wrong. */
  constructor(option: string, reason: string) {
    super(
      API_ERROR_CODES.INVALID_ROLLOUT_OPTION,
      `rollout option ${option}: ${oneLine(reason)}`,
      "stages raise their percent up to 100; triggers read like error_rate > 5%, response_time > 500ms or availability < 99.9%",
    );
  }
}

/** AEGIS-E533: the run named for a resume is not an API rollout. */
export class NotAnApiRunError extends AegisError {
  /** Names the run. */
  constructor(runId: string) {
    super(
      API_ERROR_CODES.NOT_AN_API_RUN,
      `run ${runId} is not an API rollout`,
      "pass api:rollout --resume the run id it printed when the run started",
    );
  }
}

/** AEGIS-E540: a recording file is not an exchange the verifier can replay. */
export class RecordingsInvalidError extends AegisError {
  /** Names the file or folder and what is wrong. */
  constructor(where: string, reason: string) {
    super(
      API_ERROR_CODES.RECORDINGS_INVALID,
      `recordings ${where}: ${oneLine(reason)}`,
      "give api:verify --recordings a folder of JSON exchanges the layer recorded ({ request, response })",
    );
  }
}

/** AEGIS-E541: the service module a spec names does not export the handlers it needs. */
export class ServiceModuleError extends AegisError {
  /** Names the module and what it lacks. */
  constructor(module: string, reason: string) {
    super(
      API_ERROR_CODES.SERVICE_MODULE_INVALID,
      `service module ${module}: ${oneLine(reason)}`,
      "the module (relative to the spec) exports createOldHandler() and createNewHandler(), each returning a Node http request listener",
    );
  }
}

/** Codes of errors that mean bad input: tasks exit 2 on them instead of 1. */
export const API_INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  API_ERROR_CODES.SPEC_UNREADABLE,
  API_ERROR_CODES.SPEC_INVALID,
  API_ERROR_CODES.TRANSLATION_MODULE,
  API_ERROR_CODES.TRANSLATION_FIELD_MISSING,
  API_ERROR_CODES.OPENAPI_INVALID,
  API_ERROR_CODES.INVALID_ROLLOUT_OPTION,
  API_ERROR_CODES.NOT_AN_API_RUN,
  API_ERROR_CODES.RECORDINGS_INVALID,
  API_ERROR_CODES.SERVICE_MODULE_INVALID,
  API_ERROR_CODES.HAPROXY_UNAVAILABLE,
]);

function oneLine(text: string): string {
  return text.split("\n")[0] ?? "";
}
