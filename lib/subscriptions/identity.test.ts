import { describe, expect, it } from "vitest";
import { REPLACED_ID_GRACE_SECONDS } from "@/lib/webhooks/routing";
import { REPLACED_ID_GRACE_MS, secretHash } from "./identity";

describe("secretHash", () => {
  it("is lowercase hex SHA-256, the form secret_hash stores", () => {
    expect(secretHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(secretHash("")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("the replaced-id grace period", () => {
  it("is the same period where routing compares it in SQL seconds", () => {
    expect(REPLACED_ID_GRACE_SECONDS * 1000).toBe(REPLACED_ID_GRACE_MS);
    expect(Number.isInteger(REPLACED_ID_GRACE_SECONDS)).toBe(true);
  });
});
