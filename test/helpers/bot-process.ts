import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * The bot as an operator runs it: `node --experimental-sqlite src/main.ts` in a directory of its own,
 * with only the environment a test gives it. Collects stdout and stderr, finds pino log lines, and
 * can kill the process hard (kill -9) or ask it to stop (SIGTERM). Platform-neutral: Telegram and
 * Discord tests both use it.
 *
 * Every process started here is remembered until it has exited; `stopBotProcesses()` in an
 * afterEach makes sure none outlives its test.
 */
export const MAIN_ENTRY = join(import.meta.dirname, '../../src/main.ts');

export interface BotProcessOptions {
  /** The working directory (where `.env` and the default `./data/bot.sqlite` are). */
  readonly cwd: string;
  /** The whole environment besides PATH: the developer's own variables never leak in. */
  readonly env?: Readonly<Record<string, string>>;
  /** Default src/main.ts. */
  readonly entry?: string;
  /** A name for error messages when several processes run in one test ("first", "restart"). */
  readonly name?: string;
}

/** One pino line, parsed; `msg` is its message. */
export type LogLine = Record<string, unknown> & { readonly msg?: string };

export type LogMatch = string | RegExp | ((line: LogLine) => boolean);

export interface ProcessExit {
  /** The exit code; null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface BotProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far, interleaved as it arrived. */
  output(): string;
  /** The JSON log lines so far (other output is skipped). */
  logs(): LogLine[];
  /**
   * Resolves with the first log line matching (a `msg` equal to a string, a RegExp tested against the
   * raw line, or a predicate), including lines already seen. Rejects when the process exits first or
   * after `timeoutMs`, with the output so far in the message.
   */
  waitForLog(match: LogMatch, timeoutMs?: number): Promise<LogLine>;
  /** True until the process has exited. */
  readonly running: boolean;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** kill -9: no handler runs, nothing is flushed. Resolves once the process is gone. */
  kill(): Promise<ProcessExit>;
  /** Sends `signal` (default SIGTERM) and resolves when the process exits; rejects after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
}

const DEFAULT_WAIT_MS = 15_000;
const started = new Set<BotProcess>();

export function startBotProcess(options: BotProcessOptions): BotProcess {
  const name = options.name ?? 'bot';
  const child = spawn(process.execPath, ['--experimental-sqlite', options.entry ?? MAIN_ENTRY], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let parsedUpTo = 0;
  const parsed: LogLine[] = [];
  const rawLines: string[] = [];
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const collect = (data: Buffer): void => {
    output += data.toString('utf8');
    // Only complete lines: a log line may arrive in two chunks.
    const end = output.lastIndexOf('\n');
    if (end >= parsedUpTo) {
      for (const line of output.slice(parsedUpTo, end).split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          parsed.push(JSON.parse(line) as LogLine);
          rawLines.push(line);
        } catch {
          // Not a log line after all.
        }
      }
      parsedUpTo = end + 1;
    }
    notify();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let running = true;
  const exited = new Promise<ProcessExit>((resolve) => {
    const ended = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (!running) return;
      running = false;
      // `handle` exists by then: a process cannot exit within the synchronous start.
      started.delete(handle);
      resolve({ code, signal });
      notify();
    };
    child.once('exit', ended);
    // Node could not start at all (no 'exit' follows).
    child.once('error', (error) => {
      output += `\n[spawn failed: ${error.message}]\n`;
      ended(null, null);
    });
  });

  const describe = (what: string): Error => new Error(`${name} process: ${what}\n--- output ---\n${output.slice(-8_000)}`);
  const matches = (match: LogMatch, line: LogLine, raw: string): boolean => {
    if (typeof match === 'string') return line.msg === match;
    if (match instanceof RegExp) return match.test(raw);
    return match(line);
  };

  const waitForLog = (match: LogMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<LogLine> =>
    new Promise<LogLine>((resolve, reject) => {
      let checked = 0;
      const check = (): void => {
        for (; checked < parsed.length; checked++) {
          if (matches(match, parsed[checked]!, rawLines[checked]!)) {
            finish();
            resolve(parsed[checked]!);
            return;
          }
        }
        if (!running) {
          finish();
          reject(describe(`exited before logging ${String(match)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(describe(`no log line ${String(match)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = DEFAULT_WAIT_MS): Promise<ProcessExit> => {
    if (running) child.kill(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(describe(`still running ${timeoutMs} ms after ${signal}`)), timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const handle: BotProcess = {
    name,
    child,
    output: () => output,
    logs: () => [...parsed],
    waitForLog,
    get running() {
      return running;
    },
    exited,
    kill: () => stop('SIGKILL'),
    stop,
  };
  started.add(handle);
  return handle;
}

/**
 * For afterEach: stops whatever this module started that still runs (SIGTERM, so a bot removes its
 * temp files as it would in production; kill -9 after 5 s), and waits until it is gone.
 */
export async function stopBotProcesses(): Promise<void> {
  await Promise.all([...started].map((bot) => bot.stop('SIGTERM', 5_000).catch(() => bot.kill().catch(() => undefined))));
}
