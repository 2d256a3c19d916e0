/** Figures of the AEGIS reference protocol (AEGIS.md) that the toolkit's TypeScript side needs. */

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
export const MAX_LTV_BPS = 9_800n;
export const UTILIZATION_CAP_BPS = 9_500n;
/** Name of the engine's deployment record: deployments/<network>/AegisEngine.json. */
export const ENGINE_RECORD_NAME = "AegisEngine";
/** 5% a year, simple interest, in WAD per second: small enough that a seeded vault near the
 * LTV limit stays under it for months of chain time. */
export const DEFAULT_RATE_PER_SECOND = (5n * WAD) / 100n / (365n * 24n * 3600n);
