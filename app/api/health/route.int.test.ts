import { describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db/client";
import { setupTestDatabase } from "@/scripts/test/database";
import { GET } from "./route";

const database = setupTestDatabase();

describe("GET /api/health", () => {
  it("reports a reachable, fully migrated database and the job driver", async () => {
    const response = await GET();
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({
      status: "ok",
      database: { kind: database.kind === "postgres" ? "postgresql" : "embedded", reachable: true, migrations: { applied: true, pending: [] } },
      jobs: { driver: "inline" },
    });
  });

  it("answers 503 naming the cause, not the host, when the database cannot be reached", async () => {
    const saved = { url: process.env.DATABASE_URL };
    await closeDb();
    process.env.DATABASE_URL = "postgresql://calsync:s3cret@127.0.0.1:1/nowhere";
    try {
      const response = await GET();
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).not.toContain("s3cret");
      expect(text).not.toContain("127.0.0.1");
      expect(JSON.parse(text)).toMatchObject({
        status: "unhealthy",
        database: { kind: "postgresql", reachable: false, error: expect.stringMatching(/no server accepts connections/) },
      });
    } finally {
      await closeDb();
      if (saved.url === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved.url;
    }
  });
});
