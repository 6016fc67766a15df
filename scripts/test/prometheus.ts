import parsePrometheusTextFormat, { type ParsedFamily, type ParsedSample } from "parse-prometheus-text-format";

// Reads /api/metrics the way Prometheus would: the text format, parsed by a
// parser that is not the library that wrote it.

export type Scrape = ParsedFamily[];

/**
 * `families` as the parser reads the text; `series` with every histogram's
 * `_bucket`, `_sum` and `_count` as series of their own. The parser folds all of a
 * histogram's label sets into one sample and drops their labels, so per-label
 * counts are read from `series` (the same text without the histograms' TYPE lines).
 */
export async function scrape(
  baseUrl: string,
  token: string,
): Promise<{ status: number; contentType: string | null; families: Scrape; series: Scrape; text: string }> {
  const response = await fetch(`${baseUrl}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) return { status: response.status, contentType: response.headers.get("content-type"), families: [], series: [], text };
  const withoutHistogramTypes = text.replace(/^# TYPE \S+ histogram$/gm, "");
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    families: parsePrometheusTextFormat(text),
    series: parsePrometheusTextFormat(withoutHistogramTypes),
    text,
  };
}

function matches(sample: ParsedSample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([name, value]) => sample.labels?.[name] === value);
}

export function family(families: Scrape, name: string): ParsedFamily {
  const found = families.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no metric ${name} in the scrape`);
  return found;
}

/** The sum of the samples of `name` whose labels include `labels` (0 when none). */
export function sampleValue(families: Scrape, name: string, labels: Record<string, string> = {}): number {
  return family(families, name)
    .metrics.filter((sample) => matches(sample, labels))
    .reduce((total, sample) => total + Number(sample.value ?? 0), 0);
}
