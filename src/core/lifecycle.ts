/** Something started that runs until stopped: a chat platform adapter, a server. */
export interface RunningService {
  /** Stops taking new work and waits (bounded) for work already running. */
  stop(): Promise<void>;
}
