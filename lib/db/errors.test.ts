import { describe, expect, it } from "vitest";
import { explainDatabaseError, isDatabaseUnavailable } from "@/lib/db/errors";

const target = { kind: "postgres" as const, url: "postgresql://app:hunter2@db.internal:6543/calsync" };

describe("explainDatabaseError", () => {
  it("names host, port and database, and the cause, in one line without the password", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:6543"), { code: "ECONNREFUSED" });
    const explained = explainDatabaseError(err, target);
    expect(explained.message).toBe("Cannot reach PostgreSQL at db.internal:6543/calsync: no server accepts connections there (is it running?)");
    expect(explained.message).not.toContain("hunter2");
    expect(explained.isConnectionProblem).toBe(true);
  });

  it("reads the cause Prisma's driver adapter nests in its error metadata", () => {
    const err = { code: "P2010", meta: { driverAdapterError: { cause: { originalCode: "3D000", kind: "DatabaseDoesNotExist" } } } };
    expect(explainDatabaseError(err, target).message).toMatch(/: database does not exist$/);
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it("keeps the driver's own last line when the cause is not a connection problem", () => {
    const explained = explainDatabaseError(new Error("Invalid query\nsyntax error at or near SELEC"), target);
    expect(explained.isConnectionProblem).toBe(false);
    expect(explained.message).toMatch(/syntax error at or near SELEC$/);
    expect(isDatabaseUnavailable(new Error("unique constraint"))).toBe(false);
    // Lost mid-query (node-postgres) or closed (PGlite): still "retry later", never a 500.
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: new Error("PGlite is closed") }))).toBe(true);
  });
});
