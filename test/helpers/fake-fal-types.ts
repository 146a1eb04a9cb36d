/** The shapes of the loopback fal queue (see fake-fal-server.ts). */

export type ScriptedStatus = { status: 'IN_QUEUE'; queue_position: number } | { status: 'IN_PROGRESS' };

/**
 * One scripted failure of a route: an HTTP status with a JSON body (default `{detail: 'HTTP <status>'}`),
 * or with `raw` text sent as is (malformed JSON), or `hang`: the request is read and never answered.
 */
export interface FalFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string;
  hang?: boolean;
  /** The connection is dropped without an answer (the client sees ECONNRESET or a closed socket). */
  reset?: boolean;
}

export interface FalScript {
  /**
   * Status answers before COMPLETED; default [{status:'IN_QUEUE', queue_position: 2}, {status:'IN_PROGRESS'}].
   * Poll mode (no durationMs): one per status poll (or stream step). Time mode: spread evenly over durationMs.
   */
  statuses: ScriptedStatus[];
  /** What the job ends with: result images (PNG bytes; default: num_images images made with makePng(64, 64, 100 + i)), or an error. */
  outcome: { kind: 'images'; images?: Buffer[] } | { kind: 'error'; httpStatus: number; body: unknown; error?: string };
  /** HTTP failures answered to the next submits before one is accepted, e.g. [{status: 429}] then success. */
  submitFailures: FalFailure[];
  /** Same for status polls. */
  statusFailures: FalFailure[];
  /** Same for status stream requests. */
  streamFailures?: FalFailure[];
  /** Same for result requests (after completion). */
  resultFailures?: FalFailure[];
  /** Same for result file downloads, whichever job's file is asked for. */
  fileFailures?: FalFailure[];
  /**
   * The result files of jobs submitted under this script answer this HTTP status instead of their
   * bytes: 404 for a file that is gone, 403 for an expired signed URL.
   */
  fileStatus?: number;
  /**
   * Time mode: the job is COMPLETED at submit + durationMs whatever is polled (as real fal), and its
   * webhook fires then. Without it (poll mode) a job completes only when polled or streamed through its
   * statuses, so a webhook-only client would wait forever: webhook tests set durationMs.
   */
  durationMs?: number;
}

export interface ReceivedRequest {
  method: string;
  /** As sent, query included (e.g. `/fal-ai/nano-banana/requests/<id>/status?logs=0`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, the raw text when not JSON, undefined when empty. */
  body: unknown;
  /** The raw body ('' when empty), for leak checks. */
  bodyText: string;
  at: number;
}

export interface FakeFalJob {
  requestId: string;
  /** fal's id of the last attempt (reference §1.2); the fake makes no attempts of its own, so one per job. */
  gatewayRequestId?: string;
  modelPath: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary input fields
  input: any;
  inputImages: Buffer[];
  resultImages: Buffer[];
  cancelled: boolean;
  /** The decoded `fal_webhook` query of the submit, if any. */
  webhookUrl?: string | undefined;
}

/** One webhook POST the fake made (or tried to make). */
export interface WebhookDelivery {
  url: string;
  requestId: string;
  headers: Record<string, string>;
  /** The raw JSON text that was signed and sent. */
  bodyText: string;
  body: Record<string, unknown>;
  /** The receiver's HTTP status, or undefined when the POST failed (`error` says why). */
  responseStatus?: number | undefined;
  error?: string | undefined;
}

export interface SignOptions {
  requestId: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with a key that is not in the JWKS. */
  forged?: boolean;
}

export interface FakeFalOptions {
  /** When given, `Authorization: <authScheme> <key>` is required (401 otherwise). */
  key?: string;
  /** Default 'Key' ('Bearer' in the chainhub flavour). */
  authScheme?: 'Key' | 'Bearer';
  script?: Partial<FalScript>;
  /**
   * 'chainhub' (reference §2): Bearer auth, *_url fields on https://queue.fal.run (the client must swap
   * the host), the result route also under `fal-ai/auto`, no status stream.
   */
  flavour?: 'fal' | 'chainhub';
  /** 'missing' answers 404 on the status route (ChainHub documents none); result GETs then advance poll-mode jobs. */
  statusRoute?: 'present' | 'missing';
  /** Gap between `: keepalive` comments on the status stream; default 15 000 (fal's). */
  keepAliveMs?: number;
  /** Poll mode: the status stream advances one status per this many ms; default 10. */
  streamStepMs?: number;
}

export interface FakeFal {
  /** http://127.0.0.1:PORT — use as the provider's queueUrl. */
  readonly url: string;
  /** `${url}/.well-known/jwks.json`: the webhook signing keys. */
  readonly jwksUrl: string;
  readonly requests: ReceivedRequest[];
  /** Accepted submissions in order; inputImages decoded from the data URIs. */
  readonly jobs: FakeFalJob[];
  /** Webhook deliveries, in order. */
  readonly webhooks: WebhookDelivery[];
  /** The X-Fal-Webhook-User-Id the fake signs with. */
  readonly webhookUserId: string;
  /** Mutable between jobs; statuses, outcome and durationMs apply to jobs submitted after the change. */
  script: FalScript;
  /** When true, webhooks are signed with a key that is not in the JWKS. */
  forgeWebhooks: boolean;
  /** A new signing key; the JWKS then serves it (and the old one too when keepOld). */
  rotateWebhookKey(options?: { keepOld?: boolean }): void;
  /** X-Fal-Webhook-* headers for a body, as the fake signs deliveries. */
  signWebhook(body: string | Buffer, options: SignOptions): Record<string, string>;
  /** Resolves when the count-th job (default 1) was submitted; rejects after timeoutMs (default 5000). */
  waitForJob(count?: number, timeoutMs?: number): Promise<FakeFalJob>;
  /** Resolves when the count-th webhook delivery (default 1) has finished; rejects after timeoutMs (default 5000). */
  waitForWebhook(count?: number, timeoutMs?: number): Promise<WebhookDelivery>;
  close(): Promise<void>;
}

export function defaultFalScript(): FalScript {
  return {
    statuses: [{ status: 'IN_QUEUE', queue_position: 2 }, { status: 'IN_PROGRESS' }],
    outcome: { kind: 'images' },
    submitFailures: [],
    statusFailures: [],
    streamFailures: [],
  };
}

/** Copied: the fake consumes the failure lists, and must not empty the caller's arrays. */
export function copyScript(script: FalScript): FalScript {
  return {
    ...script,
    statuses: [...script.statuses],
    submitFailures: [...script.submitFailures],
    statusFailures: [...script.statusFailures],
    streamFailures: [...(script.streamFailures ?? [])],
    resultFailures: [...(script.resultFailures ?? [])],
    fileFailures: [...(script.fileFailures ?? [])],
  };
}
