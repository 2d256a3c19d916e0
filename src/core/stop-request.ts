/**
 * A request from outside the engine (a signal, a test, a deadline) that a run stop at its next
 * safe point. The engine never abandons an effect between its intent and its outcome: a stop
 * request is read only between steps, between rollback steps and while a run sleeps through a
 * wait, so whatever was in flight when it arrived is finished and journaled first.
 */
export class StopRequest {
  private count = 0;
  private firstReason: string | undefined;
  private readonly listeners = new Set<() => void>();

  /** Asks the run to stop; returns how many times a stop has been asked for. */
  request(reason: string): number {
    this.count += 1;
    this.firstReason ??= reason;
    for (const listener of [...this.listeners]) listener();
    return this.count;
  }

  /** How many stops were requested so far (a second one also stops a rollback). */
  get requests(): number {
    return this.count;
  }

  /** What asked first ("SIGINT", "SIGTERM", ...), once something did. */
  get reason(): string | undefined {
    return this.firstReason;
  }

  /** Sleeps for `ms`, returning early with "stopped" when a stop is requested meanwhile. */
  sleep(ms: number): Promise<"elapsed" | "stopped"> {
    const startCount = this.count;
    return new Promise((resolve) => {
      const done = (outcome: "elapsed" | "stopped") => {
        clearTimeout(timer);
        this.listeners.delete(onStop);
        resolve(outcome);
      };
      const onStop = () => done("stopped");
      const timer = setTimeout(() => done(this.count > startCount ? "stopped" : "elapsed"), ms);
      this.listeners.add(onStop);
    });
  }
}
