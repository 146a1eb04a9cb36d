/**
 * URLs of the fal queue protocol (reference §1.2, §1.3). Submit goes to the full model id; status,
 * result and cancel live under owner/alias only: `fal-ai/nano-banana/edit` polls `fal-ai/nano-banana`.
 */

/** Namespaces whose endpoint ids carry one more leading segment (as in fal-js `utils.ts`). */
const NAMESPACES = new Set(['workflows', 'comfy']);

export function trimBase(queueUrl: string): string {
  return queueUrl.replace(/\/+$/, '');
}

export function trimModel(model: string): string {
  return model.replace(/^\/+|\/+$/g, '');
}

/** `fal-ai/nano-banana/edit` → `fal-ai/nano-banana`; `workflows/o/a/x` → `workflows/o/a`. */
export function appPath(model: string): string {
  const parts = trimModel(model).split('/');
  const keep = parts[0] !== undefined && NAMESPACES.has(parts[0]) ? 3 : 2;
  return parts.slice(0, keep).join('/');
}

export interface FalRequestUrls {
  readonly status: string;
  readonly response: string;
  readonly cancel: string;
}

export function buildRequestUrls(queueUrl: string, model: string, requestId: string): FalRequestUrls {
  const response = `${trimBase(queueUrl)}/${appPath(model)}/requests/${encodeURIComponent(requestId)}`;
  return { status: `${response}/status`, response, cancel: `${response}/cancel` };
}

/**
 * A follow-up URL from a submit answer, pinned to the configured queue origin. We send the key to
 * these URLs, so a URL on another host is rebuilt on ours: this also performs the host swap a
 * fal-compatible proxy needs (its answers point at queue.fal.run, reference §2).
 */
export function pinToQueue(queueUrl: string, returned: string | undefined): string | undefined {
  if (returned === undefined || returned === '') return undefined;
  let url: URL;
  try {
    url = new URL(returned);
  } catch {
    return undefined;
  }
  const base = trimBase(queueUrl);
  if (url.origin === new URL(base).origin) return returned;
  return `${base}${url.pathname}${url.search}`;
}

/** The status URL with `logs=0`, whatever query it already has. */
export function withoutLogs(statusUrl: string): string {
  const url = new URL(statusUrl);
  url.searchParams.set('logs', '0');
  return url.toString();
}
