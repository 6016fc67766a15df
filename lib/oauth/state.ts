import type { Database } from "@/lib/db/client";
import type { ProviderName } from "@/lib/providers/port";
import { createPkcePair, randomToken, sha256Hex } from "./pkce";

// The connect flow's `state`: single-use, bound to the person who started it and to
// their browser (an httpOnly SameSite=Lax cookie carries the same value), with the
// PKCE verifier kept server-side. Stored hashed; kept after use so a replayed
// callback gets its own answer.

export const STATE_TTL_MS = 10 * 60_000;

export function stateCookieName(provider: ProviderName): string {
  return `calsync_oauth_${provider}`;
}

export interface StartedAuthorization {
  state: string;
  codeChallenge: string;
}

export async function beginAuthorization(
  database: Database,
  input: { organizationId: string; userId: string; provider: ProviderName; redirectUri: string; connectionId?: string | null; now?: Date },
): Promise<StartedAuthorization> {
  const now = input.now ?? new Date();
  const state = randomToken(32);
  const { verifier, challenge } = createPkcePair();
  await database.oAuthState.create({
    data: {
      stateHash: sha256Hex(state),
      organizationId: input.organizationId,
      userId: input.userId,
      provider: input.provider,
      codeVerifier: verifier,
      redirectUri: input.redirectUri,
      connectionId: input.connectionId ?? null,
      expiresAt: new Date(now.getTime() + STATE_TTL_MS),
    },
  });
  // Housekeeping on the way: attempts older than a day are of no use to anyone.
  await database.oAuthState.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - 24 * 60 * 60_000) } } });
  return { state, codeChallenge: challenge };
}

export type StateCheck =
  | { ok: true; codeVerifier: string; redirectUri: string; connectionId: string | null }
  | { ok: false; result: "state_missing" | "state_mismatch" | "state_replayed" };

/**
 * Consumes `state` for this person and browser. Marking it used and reading the
 * verifier is one statement, so two racing callbacks cannot both succeed.
 */
export async function consumeAuthorization(
  database: Database,
  input: { state: string | null; cookieState: string | null; userId: string; provider: ProviderName; now?: Date },
): Promise<StateCheck> {
  if (!input.state) return { ok: false, result: "state_missing" };
  const now = input.now ?? new Date();
  const stateHash = sha256Hex(input.state);
  const claimed = await database.$queryRaw<Array<{ code_verifier: string; redirect_uri: string; connection_id: string | null }>>`
    WITH attempt AS (
      SELECT id, code_verifier FROM oauth_states
      WHERE state_hash = ${stateHash} AND used_at IS NULL AND expires_at > ${now}
        AND user_id = ${input.userId}::uuid AND provider = ${input.provider}::"Provider"
      FOR UPDATE
    )
    UPDATE oauth_states AS s SET used_at = ${now}, code_verifier = NULL
    FROM attempt WHERE s.id = attempt.id
    RETURNING attempt.code_verifier, s.redirect_uri, s.connection_id::text AS connection_id`;
  const row = claimed[0];
  if (row) {
    // The browser must be the one that started it: a state lifted from someone
    // else's flow fails here even though it was valid.
    if (input.cookieState !== input.state) return { ok: false, result: "state_mismatch" };
    return { ok: true, codeVerifier: row.code_verifier, redirectUri: row.redirect_uri, connectionId: row.connection_id };
  }
  const known = await database.oAuthState.findUnique({ where: { stateHash }, select: { usedAt: true, userId: true } });
  if (known?.usedAt && known.userId === input.userId) return { ok: false, result: "state_replayed" };
  return { ok: false, result: "state_mismatch" };
}
