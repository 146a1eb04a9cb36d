import { EventEmitter } from 'node:events';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { BotError } from '../errors.ts';

/**
 * A Keyv store adapter over Node's built-in SQLite (no native addon to build). Keyv hands it
 * serialized strings with the namespace already in the key.
 */
export class SqliteKeyvAdapter extends EventEmitter implements KeyvStoreAdapter {
  opts: { dialect: 'sqlite' } = { dialect: 'sqlite' };
  namespace?: string | undefined;
  private readonly getStmt: StatementSync;
  private readonly setStmt: StatementSync;
  private readonly deleteStmt: StatementSync;
  private readonly clearStmt: StatementSync;
  private readonly iterateStmt: StatementSync;

  constructor(db: DatabaseSync) {
    super();
    this.getStmt = db.prepare('SELECT value FROM keyv WHERE key = ?');
    this.setStmt = db.prepare(
      'INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.deleteStmt = db.prepare('DELETE FROM keyv WHERE key = ?');
    this.clearStmt = db.prepare("DELETE FROM keyv WHERE key LIKE ? ESCAPE '\\'");
    this.iterateStmt = db.prepare("SELECT key, value FROM keyv WHERE key LIKE ? ESCAPE '\\' ORDER BY key");
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const row = guard(() => this.getStmt.get(key)) as { value: string } | undefined;
    return row?.value as StoredData<Value> | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    guard(() => this.setStmt.run(key, String(value)));
  }

  async delete(key: string): Promise<boolean> {
    return Number(guard(() => this.deleteStmt.run(key)).changes) > 0;
  }

  async clear(): Promise<void> {
    guard(() => this.clearStmt.run(this.namespace ? `${escapeLike(this.namespace)}:%` : '%'));
  }

  async has(key: string): Promise<boolean> {
    return guard(() => this.getStmt.get(key)) !== undefined;
  }

  async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const rows = guard(() => this.iterateStmt.all(namespace ? `${escapeLike(namespace)}:%` : '%')) as Array<{ key: string; value: string }>;
    for (const row of rows) yield [row.key, row.value as Awaited<Value>];
  }
}

/** A failing store is STORE_UNAVAILABLE: Keyv (with throwOnErrors) passes it on, and requests are denied. */
function guard<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw new BotError('STORE_UNAVAILABLE', `SQLite store failed: ${(error as Error).message}`, { cause: error });
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
