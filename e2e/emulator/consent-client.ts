// Plays the user on the emulator's consent page over HTTP: no SDK, no server state.

export interface ConsentChoice {
  email?: string;
  deny?: boolean;
  /** Scopes to untick on the page. */
  untick?: string[];
}

type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`${name}="([^"]*)"`).exec(tag);
  return match?.[1]?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/**
 * Plays the user on the consent page: opens `authUrl`, picks the account (or
 * Deny), unticks scopes, submits, and returns the URL the browser is sent to.
 */
export async function consent(authUrl: string, choice: ConsentChoice, fetchImpl: FetchLike = fetch): Promise<URL> {
  const page = await fetchImpl(authUrl, { redirect: "manual" });
  if (page.status === 302) return new URL(page.headers.get("location") ?? "");
  const html = await page.text();
  if (page.status !== 200) throw new Error(`Consent page answered ${page.status}: ${html}`);
  const form = new URLSearchParams();
  if (choice.deny) {
    form.set("request", /name="request" value="([^"]+)"/.exec(html)?.[1] ?? "");
    form.set("decision", "deny");
  } else {
    const marker = `data-testid="consent-form-${choice.email}"`;
    const start = html.indexOf(marker);
    if (start < 0) throw new Error(`No account ${choice.email} on the consent page`);
    const section = html.slice(start, html.indexOf("</form>", start));
    for (const tag of section.match(/<input[^>]*>/g) ?? []) {
      const name = attribute(tag, "name");
      const value = attribute(tag, "value") ?? "";
      if (!name) continue;
      if (attribute(tag, "type") === "checkbox") {
        if (tag.includes(" disabled")) continue;
        if (!tag.includes(" checked") || choice.untick?.includes(value)) continue;
      }
      form.append(name, value);
    }
    form.set("decision", "allow");
  }
  const origin = new URL(authUrl).origin;
  const answer = await fetchImpl(`${origin}/_emulator/oauth/consent`, { method: "POST", body: form, redirect: "manual" });
  if (answer.status !== 302) throw new Error(`Consent answered ${answer.status}: ${await answer.text()}`);
  return new URL(answer.headers.get("location") ?? "");
}
