import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Keyv } from 'keyv';
import { BotError } from '../errors.ts';
import { checkPage } from './log-page.ts';
import { SqliteKeyvAdapter } from './sqlite-keyv.ts';
import type { LogPage, Storage, Transition } from './storage.ts';

/**
 * SQLite file storage, the default: embedded, survives restarts. `transact` is a `BEGIN IMMEDIATE`
 * transaction around a synchronous read-update-write, so it is atomic within the process (no await
 * inside) and across processes sharing the file (SQLite's write lock, waited for by busy_timeout).
 * Logs are rows of one table, ordered by an AUTOINCREMENT sequence that never reuses a number.
 * Sets are rows of another, one per member: adding and removing are single statements, atomic on
 * their own, so writers never read-modify-write a shared record.
 */
export function openSqliteStorage(path: string): Storage {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    // busy_timeout first: switching to WAL needs a lock too, and another process may hold it right now.
    db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    db.exec(`
      CREATE TABLE IF NOT EXISTS keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS records (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key));
      CREATE TABLE IF NOT EXISTS logs (stream TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, value TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS logs_by_stream ON logs (stream, seq);
      CREATE TABLE IF NOT EXISTS sets (name TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (name, member)) WITHOUT ROWID;
    `);
  } catch (error) {
    throw new BotError('STORE_UNAVAILABLE', `cannot open SQLite store: ${(error as Error).message}`, { cause: error });
  }
  // One adapter per namespace: Keyv sets its namespace on the adapter, and `clear()` deletes by it,
  // so a shared adapter would clear whichever namespace was opened last.
  const adapters = new Map<string, SqliteKeyvAdapter>();
  const readStmt = db.prepare('SELECT value FROM records WHERE ns = ? AND key = ?');
  const writeStmt = db.prepare(
    'INSERT INTO records (ns, key, value) VALUES (?, ?, ?) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value',
  );
  const deleteStmt = db.prepare('DELETE FROM records WHERE ns = ? AND key = ?');
  const appendStmt = db.prepare('INSERT INTO logs (stream, value) VALUES (?, ?)');
  const countStmt = db.prepare('SELECT COUNT(*) AS total FROM logs WHERE stream = ?');
  const pageStmt = db.prepare('SELECT value FROM logs WHERE stream = ? ORDER BY seq DESC LIMIT ? OFFSET ?');
  const setAddStmt = db.prepare('INSERT OR IGNORE INTO sets (name, member) VALUES (?, ?)');
  const setRemoveStmt = db.prepare('DELETE FROM sets WHERE name = ? AND member = ?');
  const setMembersStmt = db.prepare('SELECT member FROM sets WHERE name = ?');
  const sweepStmt = db.prepare(SWEEP_EXPIRED);
  const readRecord = <T>(namespace: string, key: string): T | undefined => {
    const row = readStmt.get(namespace, key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  };

  return {
    kind: 'sqlite',
    keyv<T>(namespace: string) {
      let adapter = adapters.get(namespace);
      if (!adapter) {
        try {
          adapter = new SqliteKeyvAdapter(db);
        } catch (error) {
          throw new BotError('STORE_UNAVAILABLE', `SQLite store is closed: ${(error as Error).message}`, { cause: error });
        }
        adapters.set(namespace, adapter);
      }
      return new Keyv<T>({ store: adapter, namespace, throwOnErrors: true });
    },
    async transact<T, R>(namespace: string, key: string, update: (current: T | undefined) => Transition<T, R>) {
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        throw new BotError('STORE_UNAVAILABLE', `SQLite store is busy or closed: ${(error as Error).message}`, { cause: error });
      }
      try {
        const { next, result } = update(readRecord<T>(namespace, key));
        if (next === undefined) deleteStmt.run(namespace, key);
        else writeStmt.run(namespace, key, JSON.stringify(next));
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        if (error instanceof BotError) throw error;
        throw new BotError('STORE_UNAVAILABLE', `SQLite update failed: ${(error as Error).message}`, { cause: error });
      }
    },
    async read<T>(namespace: string, key: string) {
      try {
        return readRecord<T>(namespace, key);
      } catch (error) {
        throw new BotError('STORE_UNAVAILABLE', `SQLite read failed: ${(error as Error).message}`, { cause: error });
      }
    },
    async append<T>(stream: string, entry: T) {
      try {
        appendStmt.run(stream, JSON.stringify(entry));
      } catch (error) {
        throw new BotError('STORE_UNAVAILABLE', `SQLite append failed: ${(error as Error).message}`, { cause: error });
      }
    },
    async readNewest<T>(stream: string, offset: number, limit: number): Promise<LogPage<T>> {
      checkPage(offset, limit);
      try {
        // One read transaction, so the page and the total come from the same snapshot even while
        // another process appends.
        db.exec('BEGIN');
        try {
          const { total } = countStmt.get(stream) as { total: number };
          const rows = limit === 0 ? [] : (pageStmt.all(stream, limit, offset) as Array<{ value: string }>);
          return { entries: rows.map((row) => JSON.parse(row.value) as T), total: Number(total) };
        } finally {
          db.exec('COMMIT');
        }
      } catch (error) {
        throw new BotError('STORE_UNAVAILABLE', `SQLite log read failed: ${(error as Error).message}`, { cause: error });
      }
    },
    async setAdd(set: string, member: string) {
      guard('set add', () => setAddStmt.run(set, member));
    },
    async setRemove(set: string, member: string) {
      guard('set remove', () => setRemoveStmt.run(set, member));
    },
    async setMembers(set: string) {
      const rows = guard('set read', () => setMembersStmt.all(set)) as Array<{ member: string }>;
      return rows.map((row) => row.member);
    },
    async sweepExpired() {
      return Number(guard('sweep', () => sweepStmt.run(Date.now())).changes);
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}

/**
 * Deletes the Keyv rows whose TTL has passed. Keyv stores `{"value":…,"expires":<ms>}` and drops an
 * expired entry only when it is read, so a record nobody reads again (a finished job) would stay
 * forever. A value that is not JSON, or has no `expires`, is never touched (CASE, unlike AND, is
 * guaranteed not to call json_extract on malformed JSON, which would fail the whole statement).
 */
const SWEEP_EXPIRED = `
  DELETE FROM keyv
  WHERE CASE WHEN json_valid(value) THEN json_extract(value, '$.expires') END < ?
`;

function guard<T>(what: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw new BotError('STORE_UNAVAILABLE', `SQLite ${what} failed: ${(error as Error).message}`, { cause: error });
  }
}
