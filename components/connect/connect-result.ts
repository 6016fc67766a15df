import { CONNECT_RESULTS, isConnectResult } from "@/lib/connections/results";

export interface ConnectResultToast {
  tone: "success" | "error";
  title: string;
  description: string;
  /** Stable per outcome, so a toast shown twice (a double effect, a quick reload) is shown once. */
  id: string;
  /** A next step the toast offers: connect the other account as a new one. */
  action?: { label: string; connectAs: string };
}

/** The callback's `detail`, as text fit for a sentence: control characters out, length capped. */
export function cleanDetail(detail: string | null): string | null {
  const text = (detail ?? "")
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim()
    .slice(0, 200);
  return text === "" ? null : text;
}

/** "Google Calendar connected: ada@example.com", for the two successes; null for the rest. */
function named(result: string, productName: string | null, account: string | null): string | null {
  if ((result !== "connected" && result !== "reconnected") || (!productName && !account)) return null;
  const what = productName ?? "Calendar";
  const verb = result === "connected" ? "connected" : "reconnected";
  return account ? `${what} ${verb}: ${account}` : `${what} ${verb}`;
}

/**
 * The toast for the `?result=` the OAuth callback put on the URL. Unknown codes still
 * get an error toast: a redirect from a newer server, or a hand-edited URL, must not
 * pass silently. No result, no toast.
 */
export function connectResultToast(
  result: string | null,
  provider: string | null,
  providerNames: Record<string, string> = {},
  rawDetail: string | null = null,
  account: string | null = null,
): ConnectResultToast | null {
  if (result === null || result === "") return null;
  const id = `connect-result:${result}:${provider ?? ""}`;
  if (isConnectResult(result)) {
    const outcome: { tone: "success" | "error"; title: string; description: string; detailed?: (detail: string) => string } = CONNECT_RESULTS[result];
    const detail = cleanDetail(rawDetail);
    const description = detail && outcome.detailed ? outcome.detailed(detail) : outcome.description;
    const action = result === "different_account" && detail ? { label: "Connect as new account", connectAs: detail } : undefined;
    const title = named(result, provider ? (providerNames[provider] ?? null) : null, cleanDetail(account)) ?? outcome.title;
    return { tone: outcome.tone, title, description, id, ...(action ? { action } : {}) };
  }
  const name = provider ? (providerNames[provider] ?? null) : null;
  return {
    tone: "error",
    title: "The connection did not complete",
    description: `${name ? `${name} returned` : "We got back"} an outcome calsync does not recognize (“${result.slice(0, 40)}”). Start the connection again.`,
    id,
  };
}

/** The query string with the callback's parameters removed, for a URL a reload will not re-announce. */
export function withoutConnectResult(search: string): string {
  const params = new URLSearchParams(search);
  params.delete("result");
  params.delete("provider");
  params.delete("detail");
  params.delete("connection");
  const rest = params.toString();
  return rest === "" ? "" : `?${rest}`;
}
