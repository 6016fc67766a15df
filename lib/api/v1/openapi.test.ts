import fs from "node:fs";
import path from "node:path";
import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { openApiDocument, OPERATIONS } from "./openapi";

// The generated document is valid OpenAPI 3.1 by a standard validator, and it lists
// exactly the methods the route files under app/api/v1 export.

const V1_DIR = path.join(process.cwd(), "app", "api", "v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

/** app/api/v1/webhook-endpoints/[id]/route.ts exports PATCH -> "patch /webhook-endpoints/{id}". */
async function routesOnDisk(): Promise<string[]> {
  const found: string[] = [];
  for (const file of routeFiles(V1_DIR)) {
    const route =
      "/" +
      path
        .relative(V1_DIR, path.dirname(file))
        .split(path.sep)
        .join("/")
        .replace(/\[(\w+)\]/g, "{$1}");
    const source = fs.readFileSync(file, "utf8");
    for (const method of METHODS) if (new RegExp(`export const ${method}\\b`).test(source)) found.push(`${method.toLowerCase()} ${route}`);
  }
  return found.sort();
}

describe("the /api/v1 OpenAPI document", () => {
  it("validates as OpenAPI 3.1", async () => {
    const document = structuredClone(openApiDocument()) as { openapi: string };
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(document as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("lists every route under app/api/v1, and nothing else", async () => {
    const onDisk = await routesOnDisk();
    expect(onDisk.length).toBeGreaterThan(8);
    const document = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([route, operations]) =>
      Object.keys(operations)
        .filter((key) => METHODS.some((method) => method.toLowerCase() === key))
        .map((method) => `${method} ${route}`),
    );
    expect(documented.sort()).toEqual(onDisk);
    expect(OPERATIONS.length).toBe(onDisk.length);
  });

  it("names the scope of every keyed route and documents the error shape", () => {
    const document = openApiDocument() as { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> };
    const changes = document.paths["/changes"]!.get!;
    expect(changes.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(changes.responses)).toEqual(expect.arrayContaining(["200", "401", "403", "410", "429"]));
    expect(document.paths["/openapi.json"]!.get!.security).toBeUndefined();
  });
});
