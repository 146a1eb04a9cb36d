import { describe, expect, it } from 'vitest';
import { formatConfigProblems, parseConfig, secretsOf } from '../src/config.ts';

const TELEGRAM = '123456789:AAH-secretTelegramKeyValue_0123456789';
const DISCORD = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GsecRt.discordSecretPartValue_abcdefghij';
const FAL = 'fal-secret-key-value-xyz';

describe('parseConfig', () => {
  it('gives defaults with just a platform token and a fal key', () => {
    const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.telegram).toEqual({ token: TELEGRAM, apiRoot: 'https://api.telegram.org' });
    expect(result.config.discord).toBeUndefined();
    expect(result.config.providers).toEqual(['fal']);
    expect(result.config.fal).toEqual({
      key: FAL,
      queueUrl: 'https://queue.fal.run',
      model: 'fal-ai/nano-banana/edit',
      textModel: 'fal-ai/nano-banana',
      resolution: undefined,
      jwksUrl: 'https://rest.alpha.fal.ai/.well-known/jwks.json',
    });
    expect(result.config.http).toBeUndefined();
    expect(result.config.storeUrl).toBe('sqlite://./data/bot.sqlite');
    expect(result.config.quota).toEqual({ limit: 10, window: 'day', timeZone: 'UTC' });
    expect(result.config.logLevel).toBe('info');
    expect(result.config.jobs).toEqual({ timeoutMs: 600_000, maxJobsPerUser: 2, userCooldownMs: 3000 });
    expect(result.config.downloadAllowedHosts).toEqual([]);
  });

  it('reads every variable this version uses', () => {
    const result = parseConfig({
      DISCORD_TOKEN: DISCORD,
      DISCORD_GUILD_ID: '123456789012345678',
      DISCORD_API_BASE: 'http://127.0.0.1:9/api',
      TELEGRAM_BOT_TOKEN: TELEGRAM,
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081',
      PROVIDERS: 'fal',
      FAL_KEY: FAL,
      FAL_QUEUE_URL: 'http://127.0.0.1:7/',
      FAL_MODEL: 'fal-ai/nano-banana-pro/edit',
      FAL_TEXT_MODEL: 'fal-ai/nano-banana-pro',
      STORE_URL: 'memory://',
      QUOTA_LIMIT: '3',
      QUOTA_WINDOW: 'week',
      QUOTA_TIMEZONE: 'Europe/Berlin',
      BOT_OWNERS: 'discord:1234, telegram:5678',
      LOG_LEVEL: 'debug',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.discord).toEqual({ token: DISCORD, guildId: '123456789012345678', apiBase: 'http://127.0.0.1:9/api' });
    expect(result.config.telegram?.apiRoot).toBe('http://127.0.0.1:8081');
    expect(result.config.fal?.queueUrl).toBe('http://127.0.0.1:7');
    expect(result.config.fal?.model).toBe('fal-ai/nano-banana-pro/edit');
    expect(result.config.quota).toEqual({ limit: 3, window: 'week', timeZone: 'Europe/Berlin' });
    expect(result.config.owners).toEqual([
      { platform: 'discord', userId: '1234' },
      { platform: 'telegram', userId: '5678' },
    ]);
  });

  it('treats empty values as unset', () => {
    const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, DISCORD_TOKEN: '', QUOTA_LIMIT: ' ' });
    expect(result.ok && result.config.discord).toBe(undefined);
    expect(result.ok && result.config.quota.limit).toBe(10);
  });

  it('stops with every problem at once when nothing is set', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(2);
    expect(result.problems[0]).toMatch(/TELEGRAM_BOT_TOKEN .*DISCORD_TOKEN/);
    expect(result.problems[1]).toMatch(/FAL_KEY is required/);
  });

  it('lists each malformed value with how to fix it, and never quotes a secret', () => {
    const badTelegram = 'not-a-token-but-secret-ish';
    const badDiscord = 'secretvalue-without-dots';
    const result = parseConfig({
      TELEGRAM_BOT_TOKEN: badTelegram,
      DISCORD_TOKEN: badDiscord,
      FAL_KEY: FAL,
      QUOTA_LIMIT: 'ten',
      QUOTA_WINDOW: 'year',
      QUOTA_TIMEZONE: 'Mars/Olympus',
      STORE_URL: 'mysql://x',
      PROVIDERS: 'fal,acme',
      LOG_LEVEL: 'loud',
      TELEGRAM_API_ROOT: 'api.telegram.org',
      BOT_OWNERS: 'alice',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatConfigProblems(result.problems);
    for (const name of ['TELEGRAM_BOT_TOKEN', 'DISCORD_TOKEN', 'QUOTA_LIMIT', 'QUOTA_WINDOW', 'QUOTA_TIMEZONE', 'STORE_URL', 'PROVIDERS', 'LOG_LEVEL', 'TELEGRAM_API_ROOT', 'BOT_OWNERS']) {
      expect(text).toContain(name);
    }
    expect(text).toContain('@BotFather');
    expect(text).toMatch(/^The bot cannot start: 10 configuration problem/);
    for (const secret of [badTelegram, badDiscord, FAL]) expect(text).not.toContain(secret);
  });

  it('requires the key of every provider named in PROVIDERS, saying where to get it', () => {
    const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, PROVIDERS: 'fal,gemini,chainhub' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toMatch(/GEMINI_API_KEY is required when PROVIDERS includes gemini/);
    expect(text).toMatch(/CHAINHUB_API_KEY is required when PROVIDERS includes chainhub/);
    expect(text).not.toMatch(/FAL_KEY is required/);
  });

  it('reads every provider in order with its defaults', () => {
    const result = parseConfig({
      TELEGRAM_BOT_TOKEN: TELEGRAM,
      PROVIDERS: 'gemini, sinancode,nanobananaapi,chainhub,fal',
      FAL_KEY: FAL,
      FAL_RESOLUTION: '2K',
      CHAINHUB_API_KEY: 'ch-key',
      SINANCODE_API_KEY: 'sc-key',
      NANOBANANAAPI_API_KEY: 'nb-key',
      NANOBANANAAPI_WATERMARK: 'MyBot',
      GEMINI_API_KEY: 'g-key',
      PUBLIC_URL: 'https://bot.example.com/',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    expect(c.providers).toEqual(['gemini', 'sinancode', 'nanobananaapi', 'chainhub', 'fal']);
    expect(c.fal?.resolution).toBe('2K');
    expect(c.chainhub).toEqual({ key: 'ch-key', baseUrl: 'https://api.chainhub.tech', model: 'fal-ai/nano-banana/edit', textModel: 'fal-ai/nano-banana' });
    expect(c.sinancode).toEqual({ key: 'sc-key', baseUrl: 'https://api.sinancode.com' });
    expect(c.nanobananaapi).toEqual({ key: 'nb-key', baseUrl: 'https://api.nanobananaapi.ai', watermark: 'MyBot' });
    expect(c.gemini).toEqual({ key: 'g-key', baseUrl: 'https://generativelanguage.googleapis.com', model: 'gemini-2.5-flash-image' });
    expect(c.http).toEqual({ port: 8080, publicUrl: 'https://bot.example.com' });
  });

  it('needs PUBLIC_URL for URL-only providers when Telegram is on (its file URLs hold the token)', () => {
    const env = { TELEGRAM_BOT_TOKEN: TELEGRAM, PROVIDERS: 'sinancode', SINANCODE_API_KEY: 'sc-key' };
    const result = parseConfig(env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(/PUBLIC_URL is required when PROVIDERS includes sinancode/);
    expect(parseConfig({ ...env, PUBLIC_URL: 'http://127.0.0.1:9000', HTTP_PORT: '0' })).toMatchObject({
      ok: true,
      config: { http: { port: 0, publicUrl: 'http://127.0.0.1:9000' } },
    });
  });

  it('refuses unknown and repeated provider names, bad ports and resolutions', () => {
    const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, PROVIDERS: 'fal,fal,dalle', HTTP_PORT: '70000', FAL_RESOLUTION: '3K' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toMatch(/unknown provider "dalle"/);
    expect(text).toMatch(/names "fal" twice/);
    expect(text).toMatch(/HTTP_PORT must be a port number/);
    expect(text).toMatch(/FAL_RESOLUTION must be one of/);
  });

  describe('Discord sharding (DISCORD_SHARDS)', () => {
    it('reads auto or a number of shards; unset means one client and no ShardingManager', () => {
      const shardsOf = (value: string | undefined) => {
        const result = parseConfig({ DISCORD_TOKEN: DISCORD, FAL_KEY: FAL, ...(value === undefined ? {} : { DISCORD_SHARDS: value }) });
        return result.ok ? result.config.discord?.shards : result.problems;
      };
      expect(shardsOf(undefined)).toBeUndefined();
      expect(shardsOf('')).toBeUndefined();
      expect(shardsOf('auto')).toBe('auto');
      expect(shardsOf('Auto')).toBe('auto');
      expect(shardsOf('1')).toBe(1);
      expect(shardsOf(' 12 ')).toBe(12);
    });

    it('refuses anything but auto or a whole number from 1, saying what it takes', () => {
      for (const bad of ['0', '-2', '2.5', '1e3', 'many', '007', '99999999999999999999']) {
        const result = parseConfig({ DISCORD_TOKEN: DISCORD, FAL_KEY: FAL, DISCORD_SHARDS: bad });
        expect(result.ok, bad).toBe(false);
        if (!result.ok) expect(result.problems).toEqual([expect.stringMatching(/^DISCORD_SHARDS must be auto .* or a whole number of shards from 1/)]);
      }
    });

    it('needs DISCORD_TOKEN and a store the shard processes share', () => {
      const noDiscord = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, DISCORD_SHARDS: '2' });
      expect(!noDiscord.ok && noDiscord.problems).toEqual([expect.stringMatching(/DISCORD_SHARDS needs DISCORD_TOKEN/)]);
      const memory = parseConfig({ DISCORD_TOKEN: DISCORD, FAL_KEY: FAL, DISCORD_SHARDS: 'auto', STORE_URL: 'memory://' });
      expect(!memory.ok && memory.problems).toEqual([expect.stringMatching(/DISCORD_SHARDS needs a store the shard processes share: .*not memory:\/\//)]);
      for (const store of ['sqlite:///tmp/bot.sqlite', 'redis://127.0.0.1:6379']) {
        expect(parseConfig({ DISCORD_TOKEN: DISCORD, FAL_KEY: FAL, DISCORD_SHARDS: '2', STORE_URL: store }).ok).toBe(true);
      }
    });
  });

  describe('job limits (JOB_TIMEOUT, MAX_JOBS_PER_USER, USER_COOLDOWN)', () => {
    const base = { TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL };

    it('reads seconds and counts into milliseconds and numbers', () => {
      const result = parseConfig({ ...base, JOB_TIMEOUT: '120', MAX_JOBS_PER_USER: '5', USER_COOLDOWN: '1.5' });
      expect(result.ok && result.config.jobs).toEqual({ timeoutMs: 120_000, maxJobsPerUser: 5, userCooldownMs: 1500 });
      const off = parseConfig({ ...base, USER_COOLDOWN: '0' });
      expect(off.ok && off.config.jobs.userCooldownMs).toBe(0);
    });

    it('refuses what is not a number in range, saying what each one takes', () => {
      const result = parseConfig({ ...base, JOB_TIMEOUT: '0', MAX_JOBS_PER_USER: 'two', USER_COOLDOWN: '-1' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toEqual([
        expect.stringMatching(/^JOB_TIMEOUT must be a whole number from 1 to 86400: seconds/),
        expect.stringMatching(/^MAX_JOBS_PER_USER must be a whole number from 0 to 1000/),
        expect.stringMatching(/^USER_COOLDOWN must be the seconds between two requests of one user, from 0 \(off\)/),
      ]);
      for (const bad of ['1e3', '10m', '86401', '2.5']) expect(parseConfig({ ...base, JOB_TIMEOUT: bad }).ok, bad).toBe(false);
      for (const bad of ['-1', '1.5', '1001']) expect(parseConfig({ ...base, MAX_JOBS_PER_USER: bad }).ok, bad).toBe(false);
      const unlimited = parseConfig({ ...base, MAX_JOBS_PER_USER: '0' });
      expect(unlimited.ok && unlimited.config.jobs.maxJobsPerUser).toBe(0);
      for (const bad of ['3s', '3601', '.5', '0.0001']) expect(parseConfig({ ...base, USER_COOLDOWN: bad }).ok, bad).toBe(false);
    });
  });

  describe('DOWNLOAD_ALLOWED_HOSTS', () => {
    const base = { TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL };

    it('reads a comma-separated list of hosts, host:port and *.domain patterns', () => {
      const result = parseConfig({ ...base, DOWNLOAD_ALLOWED_HOSTS: ' images.example.com, *.cdn.example.net ,127.0.0.1:9000,[::1]:8080,' });
      expect(result.ok && result.config.downloadAllowedHosts).toEqual(['images.example.com', '*.cdn.example.net', '127.0.0.1:9000', '[::1]:8080']);
    });

    it('refuses URLs, paths and malformed wildcards, with an example', () => {
      for (const bad of ['https://images.example.com', 'example.com/images', 'a.*.example.com', 'example.com:70000', 'ok.example.com,bad host']) {
        const result = parseConfig({ ...base, DOWNLOAD_ALLOWED_HOSTS: bad });
        expect(result.ok, bad).toBe(false);
        if (!result.ok) expect(result.problems).toEqual([expect.stringMatching(/^DOWNLOAD_ALLOWED_HOSTS must be a comma-separated list of host names \(not URLs\).*e\.g\. /)]);
      }
    });
  });

  describe('Telegram webhook mode', () => {
    const URL = 'https://bot.example.com/telegram/webhook';
    const SECRET = 'Webhook_secret-0123456789';

    it('reads the URL and secret and starts the HTTP server on the default port', () => {
      const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: URL, TELEGRAM_WEBHOOK_SECRET: SECRET });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.config.telegram?.webhook).toEqual({ url: URL, secret: SECRET });
      expect(result.config.http).toEqual({ port: 8080, publicUrl: undefined });
      const withPort = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: URL, TELEGRAM_WEBHOOK_SECRET: SECRET, HTTP_PORT: '0' });
      expect(withPort.ok && withPort.config.http?.port).toBe(0);
    });

    it('is off without the URL: long polling, no HTTP server', () => {
      const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: '' });
      expect(result.ok && result.config.telegram?.webhook).toBe(undefined);
      expect(result.ok && result.config.http).toBe(undefined);
    });

    it('requires the secret with the URL', () => {
      const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: URL });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems).toEqual([expect.stringMatching(/TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL/)]);
    });

    it('refuses a secret Telegram would refuse, without quoting it', () => {
      for (const bad of ['has space-and-secret-text', 'dots.are.not.allowed.secret', 'x'.repeat(257)]) {
        const result = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: URL, TELEGRAM_WEBHOOK_SECRET: bad });
        expect(result.ok).toBe(false);
        if (result.ok) continue;
        const text = formatConfigProblems(result.problems);
        expect(result.problems).toEqual([expect.stringMatching(/TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -/)]);
        expect(text).not.toContain(bad);
      }
      const longest = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: URL, TELEGRAM_WEBHOOK_SECRET: 'a'.repeat(256) });
      expect(longest.ok).toBe(true);
    });

    it('refuses a URL that is not http(s), a secret without a URL, and a webhook without Telegram', () => {
      const notUrl = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: 'bot.example.com/hook', TELEGRAM_WEBHOOK_SECRET: SECRET });
      expect(!notUrl.ok && notUrl.problems.join('\n')).toMatch(/TELEGRAM_WEBHOOK_URL must be an http\(s\) URL/);
      const secretOnly = parseConfig({ TELEGRAM_BOT_TOKEN: TELEGRAM, FAL_KEY: FAL, TELEGRAM_WEBHOOK_SECRET: SECRET });
      expect(!secretOnly.ok && secretOnly.problems.join('\n')).toMatch(/TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_WEBHOOK_URL is not/);
      const noTelegram = parseConfig({ DISCORD_TOKEN: DISCORD, FAL_KEY: FAL, TELEGRAM_WEBHOOK_URL: URL, TELEGRAM_WEBHOOK_SECRET: SECRET });
      expect(!noTelegram.ok && noTelegram.problems.join('\n')).toMatch(/TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN/);
      for (const result of [secretOnly, noTelegram]) expect(result.ok || formatConfigProblems(result.problems)).not.toContain(SECRET);
    });
  });
});

describe('secretsOf', () => {
  it('lists every token, key, webhook secret and store password of the configuration', () => {
    const result = parseConfig({
      TELEGRAM_BOT_TOKEN: TELEGRAM,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/hook',
      TELEGRAM_WEBHOOK_SECRET: 'hook-secret-value',
      DISCORD_TOKEN: DISCORD,
      PROVIDERS: 'fal,gemini',
      FAL_KEY: FAL,
      GEMINI_API_KEY: 'gemini-secret-key',
      STORE_URL: 'redis://bot:p%40ss-word@127.0.0.1:6379',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(secretsOf(result.config).sort()).toEqual(
      [TELEGRAM, TELEGRAM.split(':')[1]!, 'hook-secret-value', DISCORD, FAL, 'gemini-secret-key', 'p@ss-word'].sort(),
    );
  });
});
