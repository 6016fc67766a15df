import { describe, expect, it } from "vitest";
import { allowedActions } from "./members";

describe("allowedActions", () => {
  it("gives members nothing over others, but lets anyone leave", () => {
    expect(allowedActions("member", { role: "member", self: false })).toEqual({ assignableRoles: [], removable: false });
    expect(allowedActions("member", { role: "member", self: true })).toEqual({ assignableRoles: [], removable: true });
  });

  it("lets admins manage members and admins, never owners", () => {
    expect(allowedActions("admin", { role: "member", self: false })).toEqual({ assignableRoles: ["admin", "member"], removable: true });
    expect(allowedActions("admin", { role: "admin", self: false })).toEqual({ assignableRoles: ["admin", "member"], removable: true });
    expect(allowedActions("admin", { role: "owner", self: false })).toEqual({ assignableRoles: [], removable: false });
  });

  it("lets owners do everything (the last-owner rule is the database's)", () => {
    expect(allowedActions("owner", { role: "owner", self: false })).toEqual({ assignableRoles: ["owner", "admin", "member"], removable: true });
    expect(allowedActions("owner", { role: "owner", self: true })).toEqual({ assignableRoles: ["owner", "admin", "member"], removable: true });
  });
});
