import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { silentLogger, type Logger } from '../../src/core/log.ts';
import { makePng } from '../helpers/png.ts';
import { repliesTo, startTelegramWorld } from '../helpers/telegram-world.ts';

/**
 * The whole path through real grammY and the real core: Telegram update → adapter → commands → job
 * runner → fal provider → fake fal → result upload back to the fake Telegram.
 */

let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  // Newest first: the bot stops (and drains its requests) before the core and the fakes go away.
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function startAll(logger: Logger = silentLogger) {
  return startTelegramWorld(cleanups, { logger });
}

/** Three sizes as Telegram sends them, the largest (a distinct PNG) deliberately not last. */
function photoSizes() {
  const largest = makePng(640, 480, 7);
  const sizes = [
    { width: 90, height: 68, bytes: makePng(90, 68, 1) },
    { width: 640, height: 480, bytes: largest },
    { width: 320, height: 240, bytes: makePng(320, 240, 2) },
  ];
  return { sizes, largest };
}


describe('Telegram bot end to end', () => {
  it('edits a captioned private photo: status first, result photo as a reply, summary last', async () => {
    const { fal, tg } = await startAll();
    const { sizes, largest } = photoSizes();
    const message = tg.injectPhoto({ caption: 'make the sky purple', sizes });

    const job = await fal.waitForJob();
    expect(job.input.prompt).toBe('make the sky purple');
    expect(job.inputImages).toHaveLength(1);
    expect(job.inputImages[0]!.equals(largest)).toBe(true);

    const photo = await tg.waitForCall('sendPhoto');
    expect(photo.params.chat_id).toBe(message.chat.id);
    expect(photo.params.reply_parameters.message_id).toBe(message.message_id);
    expect(job.resultImages).toHaveLength(1);
    expect(photo.files.photo?.bytes.equals(job.resultImages[0]!)).toBe(true);
    expect(photo.files.photo?.filename).toMatch(/\.png$/);

    const status = tg.calls.find((call) => call.method === 'sendMessage' && repliesTo(message.message_id)(call));
    expect(status).toBeDefined();
    expect(tg.calls.indexOf(status!)).toBeLessThan(tg.calls.indexOf(photo));
    expect(tg.callsOf('sendChatAction')[0]?.params.action).toBe('upload_photo');

    const statusId = status!.result.message_id;
    const summary = await tg.waitForCall(
      'editMessageText',
      (call) => call.params.message_id === statusId && /Done in .*images left/.test(String(call.params.text)),
    );
    expect(tg.calls.indexOf(summary)).toBeGreaterThan(tg.calls.indexOf(photo));
  });

  it('edits the photo a message replies to with /edit@botname, in a group', async () => {
    const { fal, tg } = await startAll();
    const { sizes, largest } = photoSizes();
    const photo = tg.injectPhoto({ chatType: 'supergroup', userId: 2002, sizes });
    const command = tg.injectMessage({
      from: { id: 2002 },
      chat: { id: photo.chat.id },
      text: `/edit@${tg.botUser.username} add a rainbow`,
      reply_to_message: photo,
    });

    const job = await fal.waitForJob();
    expect(job.input.prompt).toBe('add a rainbow');
    expect(job.inputImages[0]!.equals(largest)).toBe(true);
    const sent = await tg.waitForCall('sendPhoto');
    expect(sent.params.chat_id).toBe(photo.chat.id);
    expect(sent.params.reply_parameters.message_id).toBe(command.message_id);
  });

  it('asks for a caption when a private photo has none, and starts no job', async () => {
    const { fal, tg } = await startAll();
    const message = tg.injectPhoto({ sizes: photoSizes().sizes });
    const reply = await tg.waitForCall('sendMessage', repliesTo(message.message_id));
    expect(reply.params.text).toMatch(/caption/i);
    expect(fal.jobs).toHaveLength(0);
    expect(tg.callsOf('getFile')).toHaveLength(0);
  });

  it('explains /edit when it has no prompt or no photo', async () => {
    const { fal, tg } = await startAll();
    const bare = tg.injectMessage({ text: '/edit make it blue' });
    const usage = await tg.waitForCall('sendMessage', repliesTo(bare.message_id));
    expect(usage.params.text).toMatch(/reply to it with \/edit/);
    const photo = tg.injectPhoto({ sizes: photoSizes().sizes, caption: 'first' });
    await fal.waitForJob();
    const empty = tg.injectMessage({ text: '/edit', reply_to_message: photo });
    await tg.waitForCall('sendMessage', repliesTo(empty.message_id));
    expect(fal.jobs).toHaveLength(1);
  });

  it('ignores group photos that neither start with /edit nor mention the bot', async () => {
    const { fal, tg } = await startAll();
    const photo = tg.injectPhoto({ chatType: 'group', caption: 'look at my cat', sizes: photoSizes().sizes });
    // Updates are handled in order: once /help is answered, the photo was routed (and ignored).
    const help = tg.injectMessage({ chat: { id: photo.chat.id }, text: '/help' });
    await tg.waitForCall('sendMessage', repliesTo(help.message_id));
    expect(fal.jobs).toHaveLength(0);
    expect(tg.calls.filter(repliesTo(photo.message_id))).toHaveLength(0);

    const mention = tg.injectPhoto({ chatType: 'group', caption: `@${tg.botUser.username} make it night`, sizes: photoSizes().sizes });
    const job = await fal.waitForJob();
    expect(job.input.prompt).toBe('make it night');
    await tg.waitForCall('sendPhoto', repliesTo(mention.message_id));
  });

  it('answers /quota and /help', async () => {
    const { tg } = await startAll();
    const quota = tg.injectMessage({ text: '/quota' });
    const help = tg.injectMessage({ text: '/help' });
    const startCommand = tg.injectMessage({ text: '/start' });
    const quotaReply = await tg.waitForCall('sendMessage', repliesTo(quota.message_id));
    expect(quotaReply.params.text).toMatch(/used 0 of 10 images/);
    const helpReply = await tg.waitForCall('sendMessage', repliesTo(help.message_id));
    expect(helpReply.params.text).toMatch(/photo with a caption/);
    await tg.waitForCall('sendMessage', repliesTo(startCommand.message_id));
    // The default scope's list; chat administrators get a longer one (telegram-moderation.e2e).
    const commands = await tg.waitForCall('setMyCommands', (call) => call.params.scope === undefined);
    expect(commands.params.commands.map((c: { command: string }) => c.command)).toEqual(['edit', 'imagine', 'quota', 'help']);
  });

  it('never lets the bot token reach fal or a log line', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const { fal, tg } = await startAll(logger);
    tg.failNext('sendChatAction', { error_code: 400, description: 'Bad Request: chat not found' });
    const message = tg.injectPhoto({ caption: 'make it snow', sizes: photoSizes().sizes });
    await fal.waitForJob();
    await tg.waitForCall('editMessageText', (call) => /Done in/.test(String(call.params.text)));
    expect(tg.callsOf('sendPhoto')[0]?.params.reply_parameters.message_id).toBe(message.message_id);
    expect(fal.requests.length).toBeGreaterThan(2);
    const secret = tg.token.split(':')[1]!;
    for (const request of fal.requests) {
      const seen = JSON.stringify([request.path, request.headers, request.body]);
      expect(seen).not.toContain(secret);
      expect(seen).not.toContain('/file/bot');
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(secret);
  });
});
