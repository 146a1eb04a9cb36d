import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The composition root as an operator runs it: a real `node src/main.ts` process in a directory of its
 * own, reading `.env` from there. (`npm start` runs the compiled dist/main.js of the same source.)
 */
const MAIN = join(import.meta.dirname, '../src/main.ts');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runMain(env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--experimental-sqlite', MAIN], {
    cwd,
    // Only what the test gives: the developer's own variables must not leak in.
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('start-up', () => {
  it('stops with one message listing every problem when nothing is configured', async () => {
    dir = mkdtempSync(join(tmpdir(), 'main-'));
    const { code, stderr } = await runMain({}, dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^The bot cannot start: 2 configuration problem/);
    expect(stderr).toContain('TELEGRAM_BOT_TOKEN');
    expect(stderr).toContain('FAL_KEY');
  });

  it('reads .env from the working directory and never prints a secret from it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'main-'));
    const secret = 'fal-very-secret-key-material';
    const badToken = 'telegram-secret-but-malformed';
    writeFileSync(join(dir, '.env'), `FAL_KEY=${secret}\nTELEGRAM_BOT_TOKEN=${badToken}\nQUOTA_WINDOW=fortnight\n`);
    const { code, stdout, stderr } = await runMain({}, dir);
    expect(code).toBe(1);
    expect(stderr).toContain('TELEGRAM_BOT_TOKEN does not look like a bot token');
    expect(stderr).toContain('QUOTA_WINDOW must be one of day, week, month');
    expect(stderr).not.toContain('FAL_KEY is required');
    expect(stdout + stderr).not.toContain(secret);
    expect(stdout + stderr).not.toContain(badToken);
  });
});
