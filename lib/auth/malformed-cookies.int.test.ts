import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listConnections } from "@/app/api/connections/route";
import { GET as googleCallback } from "@/app/api/oauth/google/callback/route";
import { GET as googleStart } from "@/app/api/oauth/google/start/route";
import { consent } from "@/e2e/emulator/consent-client";
import type { Emulator } from "@/e2e/emulator/server";
import { stateCookieName } from "@/lib/oauth/state";
import { setupTestDatabase } from "@/scripts/test/database";
import { request, signIn, startAppEmulator, stopAppEmulator, type SignedIn } from "@/scripts/test/app";

// A cookie that is not valid percent-encoding, set by anything else on the domain,
// must not take the app down: the routes that read cookies answer as if it were not
// there, and a valid session beside it still signs the person in.

setupTestDatabase();
let emu: Emulator;
let alice: SignedIn;

beforeAll(async () => {
  emu = await startAppEmulator();
  alice = await signIn("alice@example.com");
});
afterAll(() => stopAppEmulator(emu));

const MALFORMED = ["theme=%E0%A4%A", "theme=%", "a=%zz; b=%C0%80", "next-auth.session-token=%E0%A4%A", `${stateCookieName("google")}=%ED%A0%80`];

const context = { params: Promise.resolve({}) };

describe("malformed cookies", () => {
  it("are ignored by /api/connections: 401 without a session, 200 with a valid one beside them", async () => {
    for (const bad of MALFORMED) {
      const anonymous = await listConnections(request("/api/connections", { cookie: bad }), context as never);
      expect(anonymous.status, bad).toBe(401);
      if (bad.startsWith("next-auth.session-token=")) continue;
      const signedIn = await listConnections(request("/api/connections", { cookie: `${bad}; ${alice.cookie}` }), context as never);
      expect(signedIn.status, bad).toBe(200);
      const after = await listConnections(request("/api/connections", { cookie: `${alice.cookie}; ${bad}` }), context as never);
      expect(after.status, bad).toBe(200);
    }
  });

  it("are ignored by the connect start: signed out goes to sign-in, signed in goes to the provider", async () => {
    for (const bad of MALFORMED) {
      const anonymous = await googleStart(request("/api/oauth/google/start", { cookie: bad }));
      expect(anonymous.status, bad).toBe(303);
      expect(new URL(anonymous.headers.get("location")!).pathname).toBe("/signin");
      if (bad.startsWith("next-auth.session-token=")) continue;
      const signedIn = await googleStart(request("/api/oauth/google/start", { cookie: `${bad}; ${alice.cookie}` }));
      expect(signedIn.status, bad).toBe(303);
      expect(new URL(signedIn.headers.get("location")!).origin).toBe(emu.google.origin);
    }
  });

  it("are ignored by the connect callback: a malformed state cookie is a state mismatch, a good one still connects", async () => {
    const malformedState = `${stateCookieName("google")}=%ED%A0%80`;
    const first = await googleStart(request("/api/oauth/google/start", { cookie: alice.cookie }));
    const back = await consent(first.headers.get("location")!, { email: "alice@example.com" });
    const rejected = await googleCallback(
      request(`/api/oauth/google/callback${back.search}`, { cookie: `theme=%E0%A4%A; ${alice.cookie}; ${malformedState}` }),
    );
    expect(rejected.status).toBe(303);
    expect(new URL(rejected.headers.get("location")!).searchParams.get("result")).toBe("state_mismatch");

    const second = await googleStart(request("/api/oauth/google/start", { cookie: alice.cookie }));
    const state = new RegExp(`${stateCookieName("google")}=([^;]+)`).exec(second.headers.get("set-cookie") ?? "")?.[1];
    const consented = await consent(second.headers.get("location")!, { email: "alice@example.com" });
    const connected = await googleCallback(
      request(`/api/oauth/google/callback${consented.search}`, { cookie: `theme=%E0%A4%A; ${alice.cookie}; ${stateCookieName("google")}=${state}; x=%` }),
    );
    expect(connected.status).toBe(303);
    expect(new URL(connected.headers.get("location")!).searchParams.get("result")).toBe("connected");

    for (const bad of MALFORMED) {
      const anonymous = await googleCallback(request(`/api/oauth/google/callback?code=c&state=s`, { cookie: bad }));
      expect(anonymous.status, bad).toBe(303);
      expect(new URL(anonymous.headers.get("location")!).pathname).toBe("/signin");
    }
  });
});
