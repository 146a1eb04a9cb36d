import type { ServerResponse } from 'node:http';
import type { FakeJob } from './fake-fal-job.ts';
import type { ScriptedStatus } from './fake-fal-types.ts';

/**
 * fal's status stream (reference §1.4): a `data:` event with the status object at every change, a
 * `: keepalive` comment at a fixed interval, closed after COMPLETED. Poll-mode jobs advance one status
 * per step (a stream step is a poll); time-mode jobs report their changes as they happen.
 */
export function serveStatusStream(
  res: ServerResponse,
  job: FakeJob,
  options: {
    keepAliveMs: number;
    stepMs: number;
    /** The status object for a scripted status, or for COMPLETED when undefined. */
    body: (status: ScriptedStatus | undefined) => unknown;
  },
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let last = '';
  let done = false;
  let step: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => undefined;
  const keepAlive = setInterval(() => res.write(': keepalive\n\n'), options.keepAliveMs);
  const stop = () => {
    done = true;
    clearInterval(keepAlive);
    if (step) clearInterval(step);
    unsubscribe();
  };
  const send = (status: ScriptedStatus | undefined) => {
    if (done) return;
    const text = JSON.stringify(options.body(status));
    if (text !== last) res.write(`data: ${text}\n\n`);
    last = text;
    if (status === undefined) {
      stop();
      res.end();
    }
  };
  res.on('close', stop);
  if (job.durationMs === undefined) {
    send(job.poll());
    if (!done) step = setInterval(() => send(job.poll()), options.stepMs);
  } else {
    // Every status the job passes through is reported in order, even when a timer fired late and
    // several changes are due at once; a stream opened mid-job starts at the current one.
    let next = job.stage();
    const report = () => {
      const stage = job.stage();
      for (; next <= Math.min(stage, job.statuses.length - 1); next++) send(job.statuses[next]);
      if (stage >= job.statuses.length) send(undefined);
    };
    unsubscribe = job.onChange(report);
    report();
  }
}
