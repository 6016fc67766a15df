import { Prisma } from "@/lib/db/generated/client";
import { isSealed, open, seal, type KeyRing } from "@/lib/db/encryption";

/**
 * Token encryption, applied once at the data layer: a Prisma client extension that
 * seals the token columns of calendar_connections on every write and opens them on
 * every read, nested includes too. The rest of the code handles plaintext tokens
 * through `db()` and never sees ciphertext; raw SQL never selects these columns.
 */
export const SEALED_CONNECTION_COLUMNS = ["accessToken", "refreshToken"] as const;

type WriteData = Record<string, unknown>;

function sealValue(value: unknown, ring: KeyRing): unknown {
  if (typeof value === "string") return isSealed(value) ? value : seal(value, ring);
  // Prisma's `{ set: value }` update form.
  if (value && typeof value === "object" && "set" in value) {
    const set = (value as { set: unknown }).set;
    return { set: typeof set === "string" ? sealValue(set, ring) : set };
  }
  return value;
}

function sealData(data: unknown, ring: KeyRing): unknown {
  if (Array.isArray(data)) return data.map((item) => sealData(item, ring));
  if (!data || typeof data !== "object") return data;
  const copy: WriteData = { ...(data as WriteData) };
  for (const column of SEALED_CONNECTION_COLUMNS) {
    if (column in copy) copy[column] = sealValue(copy[column], ring);
  }
  return copy;
}

function openColumn(value: string | null, ring: KeyRing): string | null {
  return value === null ? null : open(value, ring);
}

export function sealedColumns(ring: KeyRing) {
  return Prisma.defineExtension({
    name: "calsync-sealed-columns",
    query: {
      calendarConnection: {
        async $allOperations({ args, query }) {
          const write = args as { data?: unknown; create?: unknown; update?: unknown };
          if ("data" in write) write.data = sealData(write.data, ring);
          if ("create" in write) write.create = sealData(write.create, ring);
          if ("update" in write) write.update = sealData(write.update, ring);
          return query(args);
        },
      },
    },
    result: {
      calendarConnection: {
        accessToken: {
          needs: { accessToken: true },
          compute: (connection) => openColumn(connection.accessToken, ring),
        },
        refreshToken: {
          needs: { refreshToken: true },
          compute: (connection) => openColumn(connection.refreshToken, ring),
        },
      },
    },
  });
}
