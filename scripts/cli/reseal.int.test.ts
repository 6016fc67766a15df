import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db/client";
import { parseKey } from "@/lib/db/encryption";
import { countRetiredKeyValues, resealRetiredValues } from "@/lib/db/reseal";
import { checkSystemHealth } from "@/lib/health/system";
import { setupTestDatabase } from "@/scripts/test/database";
import { EXIT } from "./command";
import { run as healthCheck } from "./health-check";
import { run } from "./reseal";
import { captureIo } from "@/scripts/test/cli";

// Key rotation to the end: a database sealed with an old key, the key rotated
// (old one in ENCRYPTION_KEYS_PREVIOUS), `reseal` run (dry, interrupted, for real,
// again), and finally the old key removed: every token and push secret still opens.

const database = setupTestDatabase();
const OLD_KEY = randomBytes(32).toString("base64");
const NEW_KEY = randomBytes(32).toString("base64");
const CONNECTIONS = 5;
const SUBSCRIPTIONS = 3;
// Per connection: access and refresh token; per subscription: the secret.
const SEALED_VALUES = CONNECTIONS * 2 + SUBSCRIPTIONS;
const saved = { key: process.env.ENCRYPTION_KEY, previous: process.env.ENCRYPTION_KEYS_PREVIOUS };
const plaintext = new Map<string, { accessToken: string; refreshToken: string }>();
const secrets = new Map<string, string>();

/** Restarts "the process" under these keys: the key ring is read when the client opens. */
async function useKeys(current: string, previous: string[] = []): Promise<void> {
  process.env.ENCRYPTION_KEY = current;
  process.env.ENCRYPTION_KEYS_PREVIOUS = previous.join(",");
  await closeDb();
}

type RawRow = { id: string; a: string | null; b: string | null };
async function rawSealed(): Promise<RawRow[]> {
  const client = await database.db();
  return client.$queryRawUnsafe<RawRow[]>(
    `SELECT id::text AS id, access_token AS a, refresh_token AS b FROM calendar_connections
     UNION ALL SELECT id::text, secret, NULL FROM webhook_subscriptions ORDER BY id`,
  );
}

async function resealCli(...argv: string[]) {
  const io = captureIo();
  const code = await run(argv, io);
  return { code, out: io.stdout.text, err: io.stderr.text };
}

beforeAll(async () => {
  await useKeys(OLD_KEY);
  const client = await database.db();
  const organization = await client.organization.create({ data: { name: "Sealed", slug: `sealed-${randomUUID().slice(0, 8)}` } });
  for (let index = 0; index < CONNECTIONS; index += 1) {
    const tokens = { accessToken: `access-${index}-${randomUUID()}`, refreshToken: `refresh-${index}-${randomUUID()}` };
    const connection = await client.calendarConnection.create({
      data: {
        organizationId: organization.id,
        provider: "google",
        providerAccountId: `sub-${index}`,
        accountEmail: `p${index}@example.com`,
        scopes: [],
        ...tokens,
      },
    });
    plaintext.set(connection.id, tokens);
    if (index < SUBSCRIPTIONS) {
      const secret = `secret-${index}-${randomUUID()}`;
      const subscription = await client.webhookSubscription.create({
        data: { organizationId: organization.id, connectionId: connection.id, provider: "google", externalId: randomUUID(), secretHash: "h", secret },
      });
      secrets.set(subscription.id, secret);
    }
  }
  await useKeys(NEW_KEY, [OLD_KEY]);
});

afterAll(async () => {
  process.env.ENCRYPTION_KEY = saved.key;
  process.env.ENCRYPTION_KEYS_PREVIOUS = saved.previous;
  if (saved.key === undefined) delete process.env.ENCRYPTION_KEY;
  if (saved.previous === undefined) delete process.env.ENCRYPTION_KEYS_PREVIOUS;
  await closeDb();
});

describe("calsync reseal", () => {
  it("counts what is under the retired key, in the health check too, and a dry run changes nothing", async () => {
    const before = await rawSealed();
    const oldId = parseKey(OLD_KEY, "old").id;
    expect(before.flatMap((row) => [row.a, row.b]).filter((value) => value !== null && value.split(":")[1] === oldId)).toHaveLength(SEALED_VALUES);
    expect((await checkSystemHealth()).encryption).toEqual({ retiredKeyValues: SEALED_VALUES, unknownKeyValues: 0 });
    const health = captureIo();
    await healthCheck([], health);
    expect(health.stdout.text).toMatch(new RegExp(`sealed with a retired key\\s+${SEALED_VALUES} \\(npm run calsync -- reseal\\)`));

    const dry = await resealCli("--dry-run");
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.out).toContain(`Dry run: ${SEALED_VALUES} sealed values under a retired key would be re-sealed`);
    expect(await rawSealed()).toEqual(before);
  });

  it("resumes an interrupted run, finishes it, and a second run is a no-op", async () => {
    // Interrupted after its first batch of two rows: what that batch did stays.
    let batches = 0;
    await expect(
      resealRetiredValues({
        batchSize: 2,
        onBatch: () => {
          batches += 1;
          throw new Error("interrupted");
        },
      }),
    ).rejects.toThrow("interrupted");
    expect(batches).toBe(1);
    expect((await countRetiredKeyValues()).retired).toBe(SEALED_VALUES - 4);

    const first = await resealCli("--batch-size", "2");
    expect(first.err).not.toContain("error");
    expect(first.code).toBe(EXIT.ok);
    expect(first.out).toContain(`Re-sealed ${SEALED_VALUES - 4} values`);
    expect(first.out).toContain("None is left under a retired key");
    expect(await countRetiredKeyValues()).toEqual({ retired: 0, unknownKey: 0 });
    expect((await checkSystemHealth()).encryption).toEqual({ retiredKeyValues: 0, unknownKeyValues: 0 });

    const after = await rawSealed();
    const second = await resealCli();
    expect(second.code).toBe(EXIT.ok);
    expect(second.out).toContain("Nothing to re-seal");
    expect(await rawSealed()).toEqual(after);
  });

  it("opens everything once the old key is gone", async () => {
    await useKeys(NEW_KEY);
    const client = await database.db();
    const connections = await client.calendarConnection.findMany({ select: { id: true, accessToken: true, refreshToken: true } });
    expect(Object.fromEntries(connections.map((row) => [row.id, { accessToken: row.accessToken, refreshToken: row.refreshToken }]))).toEqual(
      Object.fromEntries(plaintext),
    );
    const subscriptions = await client.webhookSubscription.findMany({ select: { id: true, secret: true } });
    expect(Object.fromEntries(subscriptions.map((row) => [row.id, row.secret]))).toEqual(Object.fromEntries(secrets));
  });

  it("says which values no configured key opens, and fails", async () => {
    const stranger = randomBytes(32).toString("base64");
    await useKeys(stranger);
    const result = await resealCli();
    expect(result.code).toBe(EXIT.failed);
    expect(result.err).toContain(`${SEALED_VALUES} values are sealed with a key in neither ENCRYPTION_KEY nor ENCRYPTION_KEYS_PREVIOUS`);
    await useKeys(NEW_KEY);
  });
});
