/**
 * The phases of a migration, in the order a plan must follow: look first (assess), get ready
 * without changing anything visible (prepare), change the target (execute), check it
 * (validate), then watch it settle (stabilize).
 */
export const PHASES = ["assess", "prepare", "execute", "validate", "stabilize"] as const;

/** One of the five migration phases. */
export type Phase = (typeof PHASES)[number];

/** The position of a phase in the workflow (0 for assess). */
export function phaseRank(phase: Phase): number {
  return PHASES.indexOf(phase);
}

/** Whether a string names a phase. */
export function isPhase(value: unknown): value is Phase {
  return typeof value === "string" && (PHASES as readonly string[]).includes(value);
}
