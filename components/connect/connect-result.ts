import { CONNECT_RESULTS, isConnectResult } from "@/lib/connections/results";

export interface ConnectResultToast {
  tone: "success" | "error";
  title: string;
  description: string;
  /** Stable per outcome, so a toast shown twice (a double effect, a quick reload) is shown once. */
  id: string;
}

/**
 * The toast for the `?result=` the OAuth callback put on the URL. Unknown codes still
 * get an error toast: a redirect from a newer server, or a hand-edited URL, must not
 * pass silently. No result, no toast.
 */
export function connectResultToast(result: string | null, provider: string | null, providerNames: Record<string, string> = {}): ConnectResultToast | null {
  if (result === null || result === "") return null;
  const id = `connect-result:${result}:${provider ?? ""}`;
  if (isConnectResult(result)) {
    const { tone, title, description } = CONNECT_RESULTS[result];
    return { tone, title, description, id };
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
  const rest = params.toString();
  return rest === "" ? "" : `?${rest}`;
}
