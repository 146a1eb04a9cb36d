import { describe, expect, it } from 'vitest';
import { parseConfig, secretsOf } from '../../src/config.ts';
import { createLogger } from '../../src/core/log.ts';
import { expectNoSecrets } from '../helpers/secret-scan.ts';

const INTERACTION_TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldA';
const TELEGRAM = '123456789:AAH-secretTelegramKeyValue_0123456789';
const FAL = 'fal-secret-key-value-xyz';

function capture(options: Parameters<typeof createLogger>[1] = {}) {
  const lines: string[] = [];
  const logger = createLogger('trace', { ...options, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, text: () => lines.join('') };
}

describe('log redaction', () => {
  it('censors secret fields at the top level, one and two levels down, and in request headers', () => {
    const { logger, text } = capture();
    logger.info({ token: TELEGRAM, apiKey: FAL }, 'top');
    logger.info({ target: { platform: 'discord', token: INTERACTION_TOKEN, channelId: '42' } }, 'a delivery target');
    logger.info({ job: { target: { token: INTERACTION_TOKEN } }, fal: { key: FAL } }, 'nested');
    logger.info({ interactionToken: INTERACTION_TOKEN, webhook: { secret: 'hook-secret-value' } }, 'named fields');
    logger.info({ req: { headers: { authorization: `Key ${FAL}`, 'x-telegram-bot-api-secret-token': 'hook-secret-value' } } }, 'headers');
    logger.info({ fileUrl: `https://api.telegram.org/file/bot${TELEGRAM}/photos/1.jpg` }, 'a file');
    logger.child({ target: { token: INTERACTION_TOKEN } }).info('bindings too');
    expectNoSecrets(text(), { TELEGRAM, FAL, INTERACTION_TOKEN, webhookSecret: 'hook-secret-value' }, 'the log');
    // What is not secret stays readable.
    expect(text()).toContain('"channelId":"42"');
    expect(text()).toContain('"platform":"discord"');
    expect(text().match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(10);
  });

  it('scrubs the configured secrets from any text, messages and errors included', () => {
    const parsed = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const { logger, text } = capture({ secrets: secretsOf(parsed.config) });
    logger.error({ err: `request to https://api.telegram.org/bot${TELEGRAM}/getMe failed` }, `fal said: invalid key ${FAL}`);
    logger.warn({ detail: { deep: { deeper: [`bot${encodeURIComponent(TELEGRAM)}`] } } }, 'url-encoded');
    expectNoSecrets(text(), { TELEGRAM, telegramKeyPart: TELEGRAM.split(':')[1]!, FAL }, 'the log');
    expect(text()).toContain('fal said: invalid key [redacted]');
  });

  it('the scan finds a secret in any form, and says where without repeating it', () => {
    const leak = () => expectNoSecrets(`{"msg":"bot${encodeURIComponent(TELEGRAM)}"}`, { TELEGRAM }, 'a line');
    expect(leak).toThrow(/TELEGRAM in a line: .*bot<TELEGRAM>/);
    try {
      leak();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(TELEGRAM.split(':')[1]);
    }
    expect(() => expectNoSecrets('nothing here', [FAL])).not.toThrow();
  });
});
