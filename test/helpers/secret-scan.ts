import { expect } from 'vitest';

/**
 * The forms a secret can take in a text: as is, URL-encoded (a token in a query or a path segment)
 * and JSON-escaped (a token inside a string field of a JSON log line).
 */
function formsOf(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

/**
 * Fails when `text` contains any of `secrets` in any form. The failure names which secret (by its
 * index and `labels`) and shows where, with the secret itself masked so that the report leaks nothing.
 */
export function expectNoSecrets(text: string, secrets: readonly string[] | Readonly<Record<string, string>>, where = 'text'): void {
  const named = Array.isArray(secrets) ? secrets.map((secret, i) => [`secret #${i}`, secret] as const) : Object.entries(secrets);
  const found: string[] = [];
  for (const [label, secret] of named) {
    if (secret.length < 4) throw new Error(`${label} is too short to scan for`);
    for (const form of formsOf(secret)) {
      const at = text.indexOf(form);
      if (at < 0) continue;
      const context = text.slice(Math.max(0, at - 60), at + form.length + 60).split(form).join(`<${label}>`);
      found.push(`${label} in ${where}: …${context}…`);
      break;
    }
  }
  expect(found, found.join('\n')).toEqual([]);
}

/** JSON of anything (Buffers as their text), for scanning what a fake received. */
export function textOf(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('latin1');
    }
    return v;
  });
}
