/** Something started that runs until stopped: a chat platform adapter, a server. */
export interface RunningService {
  /**
   * The first step of a graceful stop: no new updates or interactions are taken (work already started
   * goes on). Optional: a service without intake of its own has nothing to do here.
   */
  stopIntake?(): Promise<void>;
  /** Stops taking new work and waits (bounded) for work already running. */
  stop(): Promise<void>;
}
