import { Prisma } from "@/lib/db/generated/client";
import { isSealed, open, seal, type KeyRing } from "@/lib/db/encryption";

/**
 * Secret encryption, applied once at the data layer: a Prisma client extension that
 * seals the token columns of calendar_connections and the push secret of
 * webhook_subscriptions on every write and opens them on every read, nested
 * includes too. The rest of the code handles plaintext through `db()` and never sees
 * ciphertext; raw SQL never selects these columns.
 */
/**
 * Every sealed column, by table: the Prisma field and the PostgreSQL column. The
 * extension below seals the fields; `calsync reseal` (lib/db/reseal.ts) and the
 * health check's count of values under a retired key read the columns.
 */
export const SEALED_STORAGE = {
  calendarConnection: { table: "calendar_connections", columns: { accessToken: "access_token", refreshToken: "refresh_token" } },
  webhookSubscription: { table: "webhook_subscriptions", columns: { secret: "secret" } },
  webhookEndpoint: { table: "webhook_endpoints", columns: { secret: "secret", previousSecret: "previous_secret" } },
} as const;

const fieldsOf = <T extends keyof typeof SEALED_STORAGE>(model: T) =>
  Object.keys(SEALED_STORAGE[model].columns) as Array<keyof (typeof SEALED_STORAGE)[T]["columns"]>;
export const SEALED_CONNECTION_COLUMNS: readonly string[] = fieldsOf("calendarConnection");
export const SEALED_SUBSCRIPTION_COLUMNS: readonly string[] = fieldsOf("webhookSubscription");
export const SEALED_ENDPOINT_COLUMNS: readonly string[] = fieldsOf("webhookEndpoint");

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

function sealData(data: unknown, ring: KeyRing, columns: readonly string[] = SEALED_CONNECTION_COLUMNS): unknown {
  if (Array.isArray(data)) return data.map((item) => sealData(item, ring, columns));
  if (!data || typeof data !== "object") return data;
  const copy: WriteData = { ...(data as WriteData) };
  for (const column of columns) {
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
      webhookSubscription: {
        async $allOperations({ args, query }) {
          const write = args as { data?: unknown; create?: unknown; update?: unknown };
          if ("data" in write) write.data = sealData(write.data, ring, SEALED_SUBSCRIPTION_COLUMNS);
          if ("create" in write) write.create = sealData(write.create, ring, SEALED_SUBSCRIPTION_COLUMNS);
          if ("update" in write) write.update = sealData(write.update, ring, SEALED_SUBSCRIPTION_COLUMNS);
          return query(args);
        },
      },
      webhookEndpoint: {
        async $allOperations({ args, query }) {
          const write = args as { data?: unknown; create?: unknown; update?: unknown };
          if ("data" in write) write.data = sealData(write.data, ring, SEALED_ENDPOINT_COLUMNS);
          if ("create" in write) write.create = sealData(write.create, ring, SEALED_ENDPOINT_COLUMNS);
          if ("update" in write) write.update = sealData(write.update, ring, SEALED_ENDPOINT_COLUMNS);
          return query(args);
        },
      },
    },
    result: {
      webhookEndpoint: {
        secret: {
          needs: { secret: true },
          compute: (endpoint) => open(endpoint.secret, ring),
        },
        previousSecret: {
          needs: { previousSecret: true },
          compute: (endpoint) => openColumn(endpoint.previousSecret, ring),
        },
      },
      webhookSubscription: {
        secret: {
          needs: { secret: true },
          compute: (subscription) => openColumn(subscription.secret, ring),
        },
      },
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
