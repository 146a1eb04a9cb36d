import { PROVIDER_NAMES, type ProviderName } from './config-types.ts';
import type { EnvValues } from './config-schema.ts';
import { parseStoreUrl } from './core/store/open.ts';

/** Providers that only take images as URLs: Telegram photos reach them through the bot's own PUBLIC_URL. */
const URL_INPUT_PROVIDERS: readonly ProviderName[] = ['sinancode', 'nanobananaapi'];
/** The environment variable holding each provider's key, and where to get one. */
const PROVIDER_KEYS: Readonly<Record<ProviderName, { readonly variable: string; readonly where: string }>> = {
  fal: { variable: 'FAL_KEY', where: 'create a key at https://fal.ai/dashboard/keys' },
  chainhub: { variable: 'CHAINHUB_API_KEY', where: 'from your ChainHub console' },
  sinancode: { variable: 'SINANCODE_API_KEY', where: 'from your SinanCode console' },
  nanobananaapi: { variable: 'NANOBANANAAPI_API_KEY', where: 'from https://nanobananaapi.ai/api-key' },
  gemini: { variable: 'GEMINI_API_KEY', where: 'create a key at https://aistudio.google.com/apikey' },
};

/** Problems that involve more than one variable. */
export function crossChecks(e: EnvValues): string[] {
  const problems: string[] = [];
  if (!e.DISCORD_TOKEN && !e.TELEGRAM_BOT_TOKEN) {
    problems.push('Set TELEGRAM_BOT_TOKEN (from @BotFather) and/or DISCORD_TOKEN (Developer Portal → Bot): no chat platform is enabled.');
  }
  problems.push(...webhookChecks(e), ...shardChecks(e));
  const names = providerNames(e.PROVIDERS);
  if (names.length === 0) problems.push('PROVIDERS must name at least one provider, e.g. fal');
  const seen = new Set<string>();
  for (const name of names) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
      problems.push(`PROVIDERS: unknown provider "${name}"; known: ${PROVIDER_NAMES.join(', ')}`);
      continue;
    }
    if (seen.has(name)) problems.push(`PROVIDERS names "${name}" twice`);
    seen.add(name);
    const key = PROVIDER_KEYS[name as ProviderName];
    if (!e[key.variable as keyof EnvValues]) problems.push(`${key.variable} is required when PROVIDERS includes ${name}: ${key.where}`);
    if (URL_INPUT_PROVIDERS.includes(name as ProviderName) && e.TELEGRAM_BOT_TOKEN && !e.PUBLIC_URL) {
      problems.push(
        `PUBLIC_URL is required when PROVIDERS includes ${name} and Telegram is enabled: ${name} only takes images as URLs, ` +
          'and a Telegram file URL contains the bot token, so the bot serves the images itself under PUBLIC_URL',
      );
    }
  }
  if (e.STORE_URL) {
    try {
      parseStoreUrl(e.STORE_URL, '/');
    } catch (error) {
      problems.push(`STORE_URL ${(error as Error).message}`);
    }
  }
  return problems;
}

/** TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET come together, and only with Telegram enabled. */
function webhookChecks(e: EnvValues): string[] {
  const problems: string[] = [];
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET) {
    problems.push(
      'TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL: without it anyone who guesses the URL could post fake ' +
        'updates. Pick 1 to 256 characters of A-Z, a-z, 0-9, _ and -, e.g. from `openssl rand -hex 32`',
    );
  }
  if (e.TELEGRAM_WEBHOOK_SECRET && !e.TELEGRAM_WEBHOOK_URL) {
    problems.push('TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_WEBHOOK_URL is not: set the URL for webhook mode, or remove the secret for long polling');
  }
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_BOT_TOKEN) {
    problems.push('TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN: the webhook is for the Telegram bot');
  }
  return problems;
}

/** Shard processes need Discord, and a store they all share: each process has its own memory. */
function shardChecks(e: EnvValues): string[] {
  if (!e.DISCORD_SHARDS) return [];
  const problems: string[] = [];
  if (!e.DISCORD_TOKEN) problems.push('DISCORD_SHARDS needs DISCORD_TOKEN: the shards are Discord gateway connections');
  if (e.STORE_URL === 'memory://' || e.STORE_URL === 'memory:') {
    problems.push(
      'DISCORD_SHARDS needs a store the shard processes share: STORE_URL=sqlite://… (one machine) or redis://…, not memory:// ' +
        '(every process would count quotas on its own)',
    );
  }
  return problems;
}

/** PROVIDERS as a list of names, `fal` when unset. */
export function providerNames(value: string | undefined): string[] {
  return (value ?? 'fal').split(',').map((n) => n.trim()).filter(Boolean);
}
