import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobObserver } from './jobs/observer.ts';
import { FINAL_STATES, type JobRecord, type JobState } from './jobs/types.ts';

/** Job durations run from seconds to the 10-minute deadline. */
const DURATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
/** Provider latency: from the submit to results ready. */
const LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
/** Before a job reaches a provider, the provider label says so. */
const NO_PROVIDER = 'none';

/**
 * The bot's Prometheus metrics, on a registry of its own (not prom-client's global one): two apps in one
 * process, as in the tests, never collide. Fed by the job runner as a JobObserver, read at /metrics.
 */
export class BotMetrics {
  readonly registry = new Registry();
  private readonly stateChanges: Counter<'state' | 'provider' | 'platform'>;
  private readonly duration: Histogram<'state' | 'provider' | 'platform'>;
  private readonly latency: Histogram<'provider'>;
  private readonly errors: Counter<'provider' | 'code'>;
  private readonly denials: Counter<'reason' | 'platform'>;
  /** The jobs this process runs now, by state; and when each was submitted (for the provider latency). */
  private readonly running = new Map<string, JobState>();
  private readonly submittedAt = new Map<string, number>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.stateChanges = new Counter({
      name: 'bot_job_state_changes_total',
      help: 'Job state changes, by new state, provider and platform.',
      labelNames: ['state', 'provider', 'platform'],
      registers,
    });
    this.duration = new Histogram({
      name: 'bot_job_duration_seconds',
      help: 'Time from acceptance to the final state, by final state.',
      labelNames: ['state', 'provider', 'platform'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.latency = new Histogram({
      name: 'bot_provider_latency_seconds',
      help: 'Time from the submit to results ready at the provider (jobs followed from their submit by this process).',
      labelNames: ['provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: 'bot_job_errors_total',
      help: 'Jobs that ended in error, by provider and error code.',
      labelNames: ['provider', 'code'],
      registers,
    });
    this.denials = new Counter({
      name: 'bot_quota_denials_total',
      help: 'Requests refused before they ran (quota exhausted, blocked, too many jobs, cooling down).',
      labelNames: ['reason', 'platform'],
      registers,
    });
    const running = this.running;
    new Gauge({
      name: 'bot_jobs_in_flight',
      help: 'Jobs this process runs now.',
      registers,
      collect() {
        this.set(running.size);
      },
    });
    new Gauge({
      name: 'bot_jobs_queued',
      help: 'Jobs of this process waiting in a provider queue.',
      registers,
      collect() {
        this.set([...running.values()].filter((state) => state === 'queued').length);
      },
    });
  }

  /** What the job runner reports to. */
  readonly jobObserver: JobObserver = {
    stateChanged: ({ record }) => {
      const labels = { provider: record.provider ?? NO_PROVIDER, platform: record.subject.platform };
      this.stateChanges.inc({ state: record.state, ...labels });
      if (record.state === 'submitted') this.submittedAt.set(record.id, record.updatedAt);
      if (record.state === 'fetching') this.observeLatency(record);
      if (!FINAL_STATES.has(record.state)) {
        this.running.set(record.id, record.state);
        return;
      }
      this.duration.observe({ state: record.state, ...labels }, Math.max(0, record.updatedAt - record.createdAt) / 1000);
      // A cancel is the user's choice, not an error.
      if (record.errorCode && record.state !== 'cancelled') this.errors.inc({ provider: labels.provider, code: record.errorCode });
      this.forget(record);
    },
    denied: (subject, reason) => this.denials.inc({ reason, platform: subject.platform }),
    left: (record) => this.forget(record),
  };

  /** The text served at /metrics. */
  async text(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private observeLatency(record: Readonly<JobRecord>): void {
    const submitted = this.submittedAt.get(record.id);
    if (submitted === undefined || !record.provider) return;
    this.latency.observe({ provider: record.provider }, Math.max(0, record.updatedAt - submitted) / 1000);
    this.submittedAt.delete(record.id);
  }

  private forget(record: Readonly<JobRecord>): void {
    this.running.delete(record.id);
    this.submittedAt.delete(record.id);
  }
}
