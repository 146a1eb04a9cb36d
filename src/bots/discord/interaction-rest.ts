import { REST } from 'discord.js';

const byBotRest = new WeakMap<REST, REST>();

/**
 * The REST client for interaction webhooks (edits and follow-ups of a deferred reply). Discord does
 * not count those endpoints against the application's global rate limit (platform-limits.md, "not
 * bound to the application's Global Rate Limit"), but @discordjs/rest counts every request a REST
 * instance makes against its 50 per second: with hundreds of results finishing together, edits
 * would queue behind the cap for seconds. This one has no global cap and no bot token (webhook
 * routes are authenticated by the interaction token); per-route buckets and 429 handling still
 * apply. One per bot REST client, with the same API base and timeout.
 */
export function interactionRestOf(botRest: REST): REST {
  let rest = byBotRest.get(botRest);
  if (!rest) {
    rest = new REST({ ...botRest.options, globalRequestsPerSecond: Number.POSITIVE_INFINITY });
    byBotRest.set(botRest, rest);
  }
  return rest;
}
