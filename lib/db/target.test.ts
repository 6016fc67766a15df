import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeTarget, resolveDatabaseTarget } from "@/lib/db/target";

describe("resolveDatabaseTarget", () => {
  it("uses PostgreSQL when DATABASE_URL is set", () => {
    expect(resolveDatabaseTarget({ DATABASE_URL: " postgresql://u:p@h:5432/d " })).toEqual({ kind: "postgres", url: "postgresql://u:p@h:5432/d" });
  });

  it("falls back to embedded PGlite under .data/ (or CALSYNC_DATA_DIR)", () => {
    expect(resolveDatabaseTarget({})).toEqual({ kind: "pglite", dataDir: path.resolve(".data", "pglite") });
    expect(resolveDatabaseTarget({ CALSYNC_DATA_DIR: "/tmp/x" })).toEqual({ kind: "pglite", dataDir: "/tmp/x/pglite" });
    expect(resolveDatabaseTarget({ PGLITE_DATA_DIR: "memory://t1" })).toEqual({ kind: "pglite", dataDir: "memory://t1" });
  });

  it("describes a target without its credentials", () => {
    expect(describeTarget({ kind: "postgres", url: "postgresql://u:secret@db.example:6432/app" })).toBe("PostgreSQL at db.example:6432/app");
    expect(describeTarget({ kind: "pglite", dataDir: "memory://x" })).toBe("embedded PGlite (in memory)");
  });
});
