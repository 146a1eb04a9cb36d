import { afterEach, describe, expect, it } from 'vitest';
import { startTelegramBot } from '../../src/bots/telegram/start.ts';
import { silentLogger } from '../../src/core/log.ts';
import { CONTRACT_FAKES } from '../helpers/contract-fakes.ts';
import { buildTestCore, freePort } from '../helpers/core.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import type { ContractFake } from '../helpers/provider-contract.ts';

/**
 * The Telegram photo-with-caption path with each provider alone in PROVIDERS, through the real
 * grammY adapter, the real core (with its HTTP server on a public URL) and each provider's fake.
 */

const RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startWith(factory: (typeof CONTRACT_FAKES)[number][1], name: string): Promise<{ fake: ContractFake; tg: FakeTelegram; publicUrl: string }> {
  const fake = await factory({ retry: RETRY });
  cleanups.push(() => fake.close());
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const core = await buildTestCore({
    env: { ...fake.env, PROVIDERS: name, PUBLIC_URL: publicUrl, HTTP_PORT: String(port) },
    overrides: { pushPoll: { initialMs: 300, maxMs: 1000, factor: 1.5 } },
  });
  cleanups.push(() => core.close());
  const bot = await startTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, commands: core.commands, storage: core.app.storage, logger: silentLogger });
  cleanups.push(() => bot.stop());
  return { fake, tg, publicUrl };
}

/** Nothing the provider received may contain the bot token: not a path, a header, a body or an input URL. */
function expectNoToken(fake: ContractFake, token: string): void {
  expect(fake.received.length).toBeGreaterThan(0);
  for (const request of fake.received) {
    expect(request.path).not.toContain(token);
    expect(JSON.stringify(request.headers)).not.toContain(token);
    expect(request.bodyText).not.toContain(token);
  }
  for (const job of fake.jobs) for (const url of job.inputUrls) expect(url).not.toContain(token);
}

describe.each(CONTRACT_FAKES)('Telegram end to end with %s alone', (name, factory) => {
  it('edits a captioned photo: the provider gets the largest size, the user gets the result photo', async () => {
    const { fake, tg, publicUrl } = await startWith(factory, name);
    const largest = makePng(640, 480, 7);
    const message = tg.injectPhoto({
      caption: 'make the sky purple',
      sizes: [
        { width: 90, height: 68, bytes: makePng(90, 68, 1) },
        { width: 640, height: 480, bytes: largest },
      ],
    });
    const photo = await tg.waitForCall('sendPhoto', undefined, 10_000);
    expect(photo.params.reply_parameters.message_id).toBe(message.message_id);
    expect(photo.files.photo?.bytes.subarray(1, 4).toString()).toBe('PNG');

    expect(fake.jobs).toHaveLength(1);
    expect(fake.jobs[0]!.prompt).toBe('make the sky purple');
    expect(fake.jobs[0]!.inputImages[0]!.equals(largest)).toBe(true);
    if (fake.provider.capabilities.imageInput === 'url') {
      // A Telegram file URL holds the token: the bot served the bytes itself under PUBLIC_URL.
      for (const url of fake.jobs[0]!.inputUrls) expect(url.startsWith(`${publicUrl}/inputs/`)).toBe(true);
    }
    expectNoToken(fake, tg.token);
    await tg.waitForCall('editMessageText', (call) => /Done in/.test(String(call.params.text)));
  });

  it('/imagine makes an image from text alone, or explains that this service only edits', async () => {
    const { fake, tg } = await startWith(factory, name);
    tg.injectMessage({ text: '/imagine a red fox in the snow --ar 16:9' });
    if (fake.provider.capabilities.textToImage) {
      await tg.waitForCall('sendPhoto', undefined, 10_000);
      expect(fake.jobs[0]).toMatchObject({ prompt: 'a red fox in the snow', inputImages: [] });
    } else {
      const answer = await tg.waitForCall('editMessageText', (call) => /can only edit/.test(String(call.params.text)), 10_000);
      expect(answer.params.text).toMatch(/did not use your quota/);
      expect(fake.jobs).toHaveLength(0);
    }
    expectNoTokenIfAny(fake, tg.token);
  });
});

function expectNoTokenIfAny(fake: ContractFake, token: string): void {
  if (fake.received.length > 0) expectNoToken(fake, token);
}
