// Outcomes of the connect flow. The callback redirects to the onboarding page with
// `?result=<code>&provider=<name>`; the page turns the code into a toast. One list,
// shared by the route handlers and the UI, so every outcome has its own words.

export const CONNECT_RESULTS = {
  connected: { tone: "success", title: "Calendar connected", description: "We are importing your events now; this takes a few seconds." },
  reconnected: { tone: "success", title: "Connection renewed", description: "Your calendar syncs again." },
  consent_denied: {
    tone: "error",
    title: "Access was not granted",
    description: "You declined access on the provider's consent screen. Connect again when you are ready.",
  },
  provider_error: {
    tone: "error",
    title: "The provider reported an error",
    description: "The provider could not complete the sign-in. Try again in a moment.",
  },
  state_missing: { tone: "error", title: "Sign-in link incomplete", description: "The response carried no state. Start the connection again from this page." },
  state_mismatch: {
    tone: "error",
    title: "Sign-in could not be verified",
    description: "The response did not match the connection you started (it may have expired). Start again.",
  },
  state_replayed: { tone: "error", title: "Sign-in link already used", description: "This sign-in response was already used. Start the connection again." },
  invalid_callback: { tone: "error", title: "Unexpected response", description: "The provider's response was malformed. Start the connection again." },
  exchange_failed: {
    tone: "error",
    title: "Could not finish connecting",
    description: "Exchanging the authorization code failed. Start the connection again.",
  },
  scope_missing: {
    tone: "error",
    title: "Calendar access not granted",
    description: "calsync needs read access to your calendars. Connect again and keep calendar access ticked.",
  },
  already_connected_elsewhere: {
    tone: "error",
    title: "Account already connected",
    description: "This account is connected in another organization you are not a member of. Ask its owner to disconnect it there first.",
  },
  already_connected_in_yours: {
    tone: "error",
    title: "Account already connected",
    description: "This account is connected in another of your organizations. Switch to it in the header, or disconnect it there first.",
    detailed: (organization: string) =>
      `This account is connected in ${organization}, another of your organizations. Switch to it in the header, or disconnect it there first.`,
  },
  different_account: {
    tone: "error",
    title: "This is a different account",
    description: "You granted access with a different account than this card's. Nothing changed: connect it as a new account?",
    detailed: (email: string) => `This is a different account (${email}): connect it as a new account? Nothing changed on the card you reconnected.`,
  },
  not_configured: { tone: "error", title: "Provider not configured", description: "This provider has no OAuth credentials on this server." },
  failed: {
    tone: "error",
    title: "Something went wrong",
    description: "The connection could not be saved. Try again; if it keeps failing, contact your administrator.",
  },
} as const satisfies Record<string, { tone: "success" | "error"; title: string; description: string; detailed?: (detail: string) => string }>;

export type ConnectResult = keyof typeof CONNECT_RESULTS;

export function isConnectResult(value: string | null | undefined): value is ConnectResult {
  return value !== null && value !== undefined && Object.hasOwn(CONNECT_RESULTS, value);
}
