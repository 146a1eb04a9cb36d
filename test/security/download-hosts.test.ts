import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { parseConfig, type AppConfig } from '../../src/config.ts';
import { downloadPolicyOf } from '../../src/config-downloads.ts';
import { judgeDownload, type DownloadPolicy } from '../../src/core/http/download-policy.ts';
import { silentLogger } from '../../src/core/log.ts';

/**
 * Which hosts downloads may come from, as the application builds it from the configuration: the
 * platforms' file hosts and the providers' result hosts on public addresses, and the configured base
 * URLs and DOWNLOAD_ALLOWED_HOSTS on any address.
 */

const TELEGRAM = '123456789:AAH-secretTelegramKeyValue_0123456789';
const DISCORD = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GsecRt.discordSecretPartValue_abcdefghij';

function configOf(env: Record<string, string>): AppConfig {
  const parsed = parseConfig({ STORE_URL: 'memory://', ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}

const verdict = (policy: DownloadPolicy, url: string) => judgeDownload(policy, new URL(url));
const PUBLIC_ONLY = { allowed: true, anyAddress: false };
const ANY_ADDRESS = { allowed: true, anyAddress: true };

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the download policy of a configuration', () => {
  it('Telegram with defaults: its API root; fal\'s CDN for results; nothing else', async () => {
    app = await buildApp(configOf({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: 'fal-key-0123' }), silentLogger);
    const policy = app.downloadPolicy;
    expect(verdict(policy, `https://api.telegram.org/file/bot${TELEGRAM}/photos/a.jpg`)).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'https://v3.fal.media/files/monkey/x.png')).toEqual(PUBLIC_ONLY);
    expect(verdict(policy, 'https://fal.media/files/x.png')).toEqual(PUBLIC_ONLY);
    expect(verdict(policy, 'https://storage.googleapis.com/falserverless/x.png')).toEqual(PUBLIC_ONLY);
    for (const url of ['https://cdn.discordapp.com/attachments/1/2/a.png', 'https://evil.example.com/x.png', 'http://api.telegram.org:8080/x', 'http://127.0.0.1:8081/x']) {
      expect(verdict(policy, url), url).toMatchObject({ allowed: false });
    }
  });

  it('a local Bot API server and loopback provider fakes: exactly their hosts and ports, on any address', () => {
    const policy = downloadPolicyOf(
      configOf({
        TELEGRAM_BOT_TOKEN: TELEGRAM,
        TELEGRAM_API_ROOT: 'http://127.0.0.1:8081',
        PROVIDERS: 'fal,nanobananaapi',
        FAL_KEY: 'fal-key-0123',
        FAL_QUEUE_URL: 'http://127.0.0.1:7001',
        NANOBANANAAPI_API_KEY: 'nb-key-0123',
        NANOBANANAAPI_BASE_URL: 'http://localhost:7002/',
        PUBLIC_URL: 'http://127.0.0.1:9000',
      }),
      ['*.aiquickdraw.com'],
    );
    expect(verdict(policy, `http://127.0.0.1:8081/file/bot${TELEGRAM}/photos/a.jpg`)).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'http://127.0.0.1:7001/files/r.png')).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'http://localhost:7002/r.png')).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'https://tempfile.aiquickdraw.com/r/x.jpg')).toEqual(PUBLIC_ONLY);
    // Another port on the same machine is not what the operator configured; nor is the bot's own PUBLIC_URL.
    expect(verdict(policy, 'http://127.0.0.1:6379/')).toMatchObject({ allowed: false });
    expect(verdict(policy, 'http://127.0.0.1:9000/inputs/x.png')).toMatchObject({ allowed: false });
  });

  it('Discord: its CDN and media proxy on public addresses, its API base on any', () => {
    const policy = downloadPolicyOf(configOf({ DISCORD_TOKEN: DISCORD, DISCORD_API_BASE: 'http://127.0.0.1:5555/api', FAL_KEY: 'fal-key-0123' }), []);
    expect(verdict(policy, 'https://cdn.discordapp.com/attachments/1/2/a.png?ex=1')).toEqual(PUBLIC_ONLY);
    expect(verdict(policy, 'https://media.discordapp.net/external/x/a.png')).toEqual(PUBLIC_ONLY);
    expect(verdict(policy, 'http://127.0.0.1:5555/attachments/1/a.png')).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'https://api.telegram.org/file/x')).toMatchObject({ allowed: false });
  });

  it('DOWNLOAD_ALLOWED_HOSTS adds hosts on any address, with wildcards and ports', () => {
    const policy = downloadPolicyOf(
      configOf({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: 'fal-key-0123', DOWNLOAD_ALLOWED_HOSTS: 'images.example.com,*.cdn.example.net,10.0.0.5:9000' }),
      [],
    );
    expect(verdict(policy, 'https://images.example.com/a.png')).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'https://eu.cdn.example.net/a.png')).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'http://10.0.0.5:9000/a.png')).toEqual(ANY_ADDRESS);
    expect(verdict(policy, 'http://10.0.0.5:9001/a.png')).toMatchObject({ allowed: false });
    expect(verdict(policy, 'https://cdn.example.net/a.png')).toMatchObject({ allowed: false });
  });

  it('every provider declares where its results come from', async () => {
    app = await buildApp(
      configOf({
        TELEGRAM_BOT_TOKEN: TELEGRAM,
        PROVIDERS: 'fal,chainhub,sinancode,nanobananaapi,gemini',
        FAL_KEY: 'k-fal',
        CHAINHUB_API_KEY: 'k-chainhub',
        SINANCODE_API_KEY: 'k-sinancode',
        NANOBANANAAPI_API_KEY: 'k-nanobananaapi',
        GEMINI_API_KEY: 'k-gemini',
        PUBLIC_URL: 'https://bot.example.com',
        HTTP_PORT: '0',
      }),
      silentLogger,
    );
    const policy = app.downloadPolicy;
    for (const url of ['https://v3.fal.media/files/x.png', 'https://temppic.sinancode.com/x.png', 'https://tempfile.aiquickdraw.com/r/x.jpg']) {
      expect(verdict(policy, url), url).toEqual(PUBLIC_ONLY);
    }
    for (const base of ['https://queue.fal.run', 'https://api.chainhub.tech', 'https://api.sinancode.com', 'https://api.nanobananaapi.ai', 'https://generativelanguage.googleapis.com']) {
      expect(verdict(policy, `${base}/x`), base).toEqual(ANY_ADDRESS);
    }
  });
});
