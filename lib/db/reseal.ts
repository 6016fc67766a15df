import { db } from "@/lib/db/client";
import { DecryptionError, isSealed, loadKeyRing, needsRotation, open, seal, sqlKeyIdOf, type KeyRing } from "@/lib/db/encryption";
import { SEALED_STORAGE } from "@/lib/db/sealed-columns";

// Key rotation, completed: every sealed value (lib/db/sealed-columns.ts) re-sealed
// with the current key, so a retired key can leave ENCRYPTION_KEYS_PREVIOUS. The
// only code besides the Prisma extension that touches sealed columns, and it does
// so with raw SQL on purpose: it must see (and write) the ciphertext itself.

export const DEFAULT_RESEAL_BATCH_SIZE = 200;

const TABLES = Object.values(SEALED_STORAGE).map((storage) => ({ table: storage.table, columns: Object.values(storage.columns) as string[] }));
const FIRST_ID = "00000000-0000-0000-0000-000000000000";

export interface SealedKeyCount {
  /** Values sealed with a key other than ENCRYPTION_KEY. */
  retired: number;
  /** Of those, values whose key is in neither ENCRYPTION_KEY nor ENCRYPTION_KEYS_PREVIOUS: unreadable. */
  unknownKey: number;
}

/** How many stored values are sealed with a key other than the current one (nothing decrypted). */
export async function countRetiredKeyValues(ring: KeyRing = loadKeyRing()): Promise<SealedKeyCount> {
  const database = await db();
  let retired = 0;
  let unknownKey = 0;
  for (const { table, columns } of TABLES) {
    for (const column of columns) {
      const rows = await database.$queryRawUnsafe<Array<{ key_id: string; count: number }>>(
        `SELECT ${sqlKeyIdOf(column)} AS key_id, count(*)::int AS count FROM ${table}
          WHERE ${column} IS NOT NULL AND ${sqlKeyIdOf(column)} <> $1 GROUP BY 1`,
        ring.current.id,
      );
      for (const row of rows) {
        retired += row.count;
        if (!ring.byId.has(row.key_id)) unknownKey += row.count;
      }
    }
  }
  return { retired, unknownKey };
}

export interface ResealProgress {
  /** Values re-sealed so far. */
  resealed: number;
  /** Values that could not be opened (unknown key, damaged), left as they are. */
  unreadable: number;
  batches: number;
}

export interface ResealOptions {
  batchSize?: number;
  ring?: KeyRing;
  /** After each committed batch. A throw stops the run; what was committed stays (a later run resumes). */
  onBatch?: (progress: ResealProgress) => void | Promise<void>;
}

/**
 * Re-seals every value sealed with a retired key, in batches of rows (one short
 * statement per row, each its own commit), so an interrupted run loses nothing and
 * the next one picks up what is left. A row written meanwhile (a token refresh) is
 * left alone: its writer sealed it with the current key already.
 */
export async function resealRetiredValues(options: ResealOptions = {}): Promise<ResealProgress> {
  const ring = options.ring ?? loadKeyRing();
  const batchSize = options.batchSize ?? DEFAULT_RESEAL_BATCH_SIZE;
  const database = await db();
  const progress: ResealProgress = { resealed: 0, unreadable: 0, batches: 0 };
  for (const { table, columns } of TABLES) {
    const stale = columns.map((column) => `${sqlKeyIdOf(column)} <> $1`).join(" OR ");
    // Keyset order: unreadable rows stay behind the cursor instead of coming back.
    let after = FIRST_ID;
    for (;;) {
      const rows = await database.$queryRawUnsafe<Array<Record<string, string | null> & { id: string }>>(
        `SELECT id::text AS id, ${columns.join(", ")} FROM ${table} WHERE id > $2::uuid AND (${stale}) ORDER BY id LIMIT $3`,
        ring.current.id,
        after,
        batchSize,
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const changes: Array<{ column: string; from: string; to: string }> = [];
        for (const column of columns) {
          const value = row[column];
          if (value === null || value === undefined || !needsRotation(value, ring)) continue;
          try {
            if (!isSealed(value)) throw new DecryptionError("not a sealed value");
            changes.push({ column, from: value, to: seal(open(value, ring), ring) });
          } catch (err) {
            if (!(err instanceof DecryptionError)) throw err;
            progress.unreadable += 1;
          }
        }
        if (changes.length === 0) continue;
        // Compare-and-set: only if the row still holds what was read.
        const set = changes.map((change, index) => `${change.column} = $${index * 2 + 2}`).join(", ");
        const same = changes.map((change, index) => `${change.column} = $${index * 2 + 3}`).join(" AND ");
        const updated = await database.$executeRawUnsafe(
          `UPDATE ${table} SET ${set} WHERE id = $1::uuid AND ${same}`,
          row.id,
          ...changes.flatMap((change) => [change.to, change.from]),
        );
        if (updated > 0) progress.resealed += changes.length;
      }
      after = rows[rows.length - 1]!.id;
      progress.batches += 1;
      await options.onBatch?.({ ...progress });
      if (rows.length < batchSize) break;
    }
  }
  return progress;
}
