import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeFal, type FakeFal } from './helpers/fake-fal.ts';
import { startFakeTelegram, type FakeTelegram } from './helpers/fake-telegram.ts';
import { makePng } from './helpers/png.ts';
import { freePort } from './helpers/core.ts';
import { stopBotProcesses, startBotProcess } from './helpers/bot-process.ts';

/**
 * The quick start, for real: `node src/main.ts` in a fresh directory with a `.env`, the default SQLite
 * store under ./data, a fake Telegram and a fake fal. Then a restart on the same directory.
 */
const FAL_KEY = 'fal-process-test-key-123';
let dir: string;
let fal: FakeFal;
let tg: FakeTelegram;

afterEach(async () => {
  await stopBotProcesses();
  await fal?.close();
  await tg?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Only the .env in the directory configures it: the environment holds nothing but PATH. */
const startMain = (name: string) => startBotProcess({ cwd: dir, name });

describe('the bot as a process', () => {
  it('edits a Telegram photo, stops on SIGTERM, and remembers usage after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'quickstart-'));
    fal = await startFakeFal({ key: FAL_KEY });
    tg = await startFakeTelegram();
    writeFileSync(
      join(dir, '.env'),
      [`TELEGRAM_BOT_TOKEN=${tg.token}`, `TELEGRAM_API_ROOT=${tg.apiRoot}`, `FAL_KEY=${FAL_KEY}`, `FAL_QUEUE_URL=${fal.url}`, 'QUOTA_LIMIT=5', 'LOG_LEVEL=debug'].join('\n'),
    );

    const first = startMain('first');
    const photo = tg.injectPhoto({ caption: 'paint it gold', userId: 4242, sizes: [{ width: 32, height: 32, bytes: makePng(32, 32, 9) }] });
    const sent = await tg.waitForCall('sendPhoto', undefined, 15_000);
    expect(sent.params.reply_parameters.message_id).toBe(photo.message_id);
    expect(sent.files.photo?.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    await tg.waitForCall('editMessageText', (c) => /Done in .* 4 of 5 images left today/.test(String(c.params.text)), 5_000);
    expect(existsSync(join(dir, 'data', 'bot.sqlite'))).toBe(true);

    expect((await first.stop('SIGTERM')).code).toBe(0);
    expect(first.output()).not.toContain(tg.token.split(':')[1]);
    expect(first.output()).not.toContain(FAL_KEY);

    // The restart also turns on the HTTP server: the same .env plus a port and a public URL.
    const port = await freePort();
    appendFileSync(join(dir, '.env'), `\nHTTP_PORT=${port}\nPUBLIC_URL=http://127.0.0.1:${port}\n`);
    const second = startMain('restart');
    const quota = tg.injectMessage({ from: { id: 4242 }, text: '/quota' });
    const answer = await tg.waitForCall('sendMessage', (c) => c.params.chat_id === quota.chat.id && /used 1 of 5/.test(String(c.params.text)), 15_000);
    expect(answer.params.text).toContain('4 left');
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await second.stop('SIGTERM')).code).toBe(0);
  });
});
