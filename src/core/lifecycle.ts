/** Something started that runs until stopped: a chat platform adapter, a server. */
export interface RunningService {
  /**
   * The first step of a graceful stop: no new updates or interactions are taken (work already started
   * goes on). Optional: a service without intake of its own has nothing to do here.
   */
  stopIntake?(): Promise<void>;
  /**
   * Connected to its platform now (Telegram: polling or webhook running; Discord: gateway ready), for
   * /readyz. Optional: a service without a connection of its own counts as ready.
   */
  ready?(): boolean;
  /** Stops taking new work and waits (bounded) for work already running. */
  stop(): Promise<void>;
}
