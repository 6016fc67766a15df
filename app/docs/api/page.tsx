import type { Metadata } from "next";
import { API_V1_BASE, openApiDocument } from "@/lib/api/v1/openapi";

export const metadata: Metadata = { title: "API reference · calsync" };

type Operation = {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: unknown }>;
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: unknown }>;
};
type Document = {
  info: { title: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
};

/**
 * The reference, rendered from the same generated OpenAPI document the API serves:
 * nothing here is written by hand but the layout. Public, like the document.
 */
export default function ApiReferencePage() {
  const document = openApiDocument() as Document;
  return (
    <main className="mx-auto max-w-4xl px-6 py-10 text-slate-900">
      <h1 className="text-2xl font-semibold">{document.info.title}</h1>
      <p className="mt-2 text-slate-600">{document.info.description}</p>
      <p className="mt-2 text-sm text-slate-600">
        Base URL <code>{API_V1_BASE}</code>. Authenticate with <code>Authorization: Bearer csk_…</code> (API keys: the console&apos;s API page or{" "}
        <code>calsync api-keys create</code>). The machine-readable document is{" "}
        <a className="text-brand-700 underline" href={`${API_V1_BASE}/openapi.json`}>
          {API_V1_BASE}/openapi.json
        </a>
        . Every error answers <code>{"{ error: { kind, message, fields? } }"}</code>.
      </p>
      {Object.entries(document.paths).map(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => (
          <section key={`${method} ${path}`} className="mt-8 border-t border-slate-200 pt-4" id={`${method}-${path}`}>
            <h2 className="font-mono text-base font-semibold">
              <span className="text-brand-700">{method.toUpperCase()}</span> {API_V1_BASE}
              {path}
            </h2>
            <p className="mt-1 text-sm">{operation.summary}</p>
            {operation.description ? <p className="mt-1 text-sm text-slate-600">{operation.description}</p> : null}
            {operation.parameters?.length ? (
              <ul className="mt-2 text-sm">
                {operation.parameters.map((parameter) => (
                  <li key={parameter.name}>
                    <code>{parameter.name}</code> ({parameter.in}
                    {parameter.required ? ", required" : ""}){parameter.description ? `: ${parameter.description}` : ""}
                  </li>
                ))}
              </ul>
            ) : null}
            <p className="mt-2 text-xs text-slate-500">
              Responses:{" "}
              {Object.entries(operation.responses)
                .map(([status, response]) => `${status} ${response.description}`)
                .join(" · ")}
            </p>
          </section>
        )),
      )}
      <section className="mt-10 border-t border-slate-200 pt-4">
        <h2 className="text-lg font-semibold">Schemas</h2>
        {Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => (
          <details key={name} className="mt-2">
            <summary className="cursor-pointer font-mono text-sm">{name}</summary>
            <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(schema, null, 2)}</pre>
          </details>
        ))}
      </section>
    </main>
  );
}
