/**
 * The registry of the API side's error codes (`AEGIS-E5xx`): a readable name for each code, each
 * code used by exactly one AegisError class (src/api/errors.ts). test/core/error-registry.test.ts
 * checks it with the core's and the EVM side's. A code is never reused for another meaning.
 */
export const API_ERROR_CODES = {
  // the migration spec
  SPEC_UNREADABLE: "AEGIS-E500",
  SPEC_INVALID: "AEGIS-E501",
  TRANSLATION_MODULE: "AEGIS-E502",
  TRANSLATION_FIELD_MISSING: "AEGIS-E503",
  // the compatibility layer at request time
  UNKNOWN_VERSION: "AEGIS-E510",
  INVALID_JSON_BODY: "AEGIS-E511",
  ENDPOINT_GONE: "AEGIS-E512",
  // api:diff
  OPENAPI_INVALID: "AEGIS-E520",
  UNTRANSLATED_BREAKING_CHANGE: "AEGIS-E521",
  // the rollout and its traffic split
  TRAFFIC_SPLIT_FAILED: "AEGIS-E530",
  HAPROXY_UNAVAILABLE: "AEGIS-E531",
  INVALID_ROLLOUT_OPTION: "AEGIS-E532",
  NOT_AN_API_RUN: "AEGIS-E533",
  // api:verify and recordings
  RECORDINGS_INVALID: "AEGIS-E540",
  SERVICE_MODULE_INVALID: "AEGIS-E541",
} as const;

/** One of the API side's codes. */
export type ApiErrorCode = (typeof API_ERROR_CODES)[keyof typeof API_ERROR_CODES];
