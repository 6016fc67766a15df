import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph, packageName, reachable, sourceFiles } from "./import-graph";

// The floors of the house (CONTRIBUTING.md, "Where things go"), checked on the code:
// lib/ imports only lib/; nothing imports in a circle, dynamic `import()` included;
// the composition root (inngest/) is reached only from the top. ESLint's
// no-restricted-imports says the same per file while you type; this test also sees
// relative paths and dynamic imports.

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const graph = importGraph(ROOT);
// Next.js loads these top-level files itself.
const FRAMEWORK_ENTRIES = ["instrumentation.ts", "proxy.ts", "next.config.ts"];
const ALL = sourceFiles(ROOT, ["app", "components", "lib", "inngest", "scripts", "e2e", ...FRAMEWORK_ENTRIES]);
const LIB = ALL.filter((file) => file.startsWith("lib/"));

function importsInto(files: readonly string[], forbidden: (target: string) => boolean): string[] {
  return files.flatMap((file) => graph.edges(file).flatMap((edge) => (edge.target && forbidden(edge.target) ? [`${file} -> ${edge.target}`] : [])));
}

describe("the import structure", () => {
  it("has no import circles, counting dynamic and type-only imports", () => {
    expect(importCycles(graph, ALL)).toEqual([]);
  });

  it("lib/ imports nothing above it: no app/, components/, inngest/, scripts/, e2e/ or instrumentation", () => {
    const above = (target: string) => /^(app|components|inngest|scripts|e2e)\//.test(target) || FRAMEWORK_ENTRIES.includes(target);
    expect(importsInto(LIB, above)).toEqual([]);
  });

  it("components/ reach the server only through API routes: no lib/db", () => {
    const components = ALL.filter((file) => file.startsWith("components/"));
    expect(importsInto(components, (target) => target.startsWith("lib/db/"))).toEqual([]);
  });

  it("app/ and lib/ never import the emulator, and lib/ nothing under scripts/test", () => {
    const product = ALL.filter((file) => file.startsWith("app/") || file.startsWith("lib/"));
    expect(importsInto(product, (target) => target.startsWith("e2e/") || target.startsWith("scripts/test/"))).toEqual([]);
  });

  it("every file under lib/ is used by the product, not only by tests", () => {
    const entries = ALL.filter(
      (file) => /^(app|inngest|components)\//.test(file) || FRAMEWORK_ENTRIES.includes(file) || /^scripts\/(cli|calsync|db-)/.test(file),
    );
    const used = new Set<string>();
    for (const entry of entries) for (const file of reachable(graph, entry).keys()) used.add(file);
    // Type-only imports count as use: a file of types serves the code that names them.
    for (const file of [...used]) for (const edge of graph.edges(file)) if (edge.target) used.add(edge.target);
    expect(LIB.filter((file) => !used.has(file))).toEqual([]);
  });
});

describe("the webhook routes start cold", () => {
  const ROUTES = ["app/api/webhooks/google/route.ts", "app/api/webhooks/microsoft/route.ts", "app/api/webhooks/microsoft/lifecycle/route.ts"];
  const SDKS = ["googleapis", "google-auth-library", "@microsoft/microsoft-graph-client"];
  // Tracing is the API's no-op until instrumentation.ts loads the SDK (lib/telemetry/sdk.ts).
  const TELEMETRY_SDK = (name: string) => name.startsWith("@opentelemetry/") && name !== "@opentelemetry/api";
  // A Graph handshake has 10 s, and a notification 3 s, including that start: the
  // routes must not load a provider SDK, not even lazily on a path a notification
  // takes, nor the composition root (which maps every job to its work).
  for (const route of ROUTES) {
    it(`${route} reaches no provider SDK, no telemetry SDK, no provider registry and not the composition root, dynamic imports included`, () => {
      const chains = reachable(graph, route);
      const violations: string[] = [];
      for (const [file, chain] of chains) {
        if (file === "lib/providers/index.ts" || file.startsWith("inngest/")) violations.push(chain.join(" -> "));
        for (const edge of graph.edges(file)) {
          const external = !edge.target && !edge.typeOnly ? packageName(edge.specifier) : null;
          if (external && (SDKS.includes(external) || TELEMETRY_SDK(external))) violations.push([...chain, edge.specifier].join(" -> "));
        }
      }
      expect(violations).toEqual([]);
      // The walk really followed the chain down to the database and the dispatcher.
      expect([...chains.keys()]).toEqual(expect.arrayContaining(["lib/jobs/dispatch.ts", "lib/db/client.ts"]));
    });
  }

  // instrumentation.ts wires the root in every function, the webhook ones included, so
  // what the root imports statically is in each of them (check:vercel weighs it); the
  // job code, providers included, comes in through its one dynamic import.
  it("the composition root reaches no provider registry and no provider SDK without a dynamic import", () => {
    const chains = reachable(graph, "inngest/index.ts", { dynamic: false });
    const violations: string[] = [];
    for (const [file, chain] of chains) {
      if (file === "lib/providers/index.ts") violations.push(chain.join(" -> "));
      for (const edge of graph.edges(file)) {
        const external = !edge.target && !edge.typeOnly && !edge.dynamic ? packageName(edge.specifier) : null;
        if (external && SDKS.includes(external)) violations.push([...chain, edge.specifier].join(" -> "));
      }
    }
    expect(violations).toEqual([]);
    expect([...chains.keys()]).toEqual(expect.arrayContaining(["lib/oauth/access-lost.ts", "lib/jobs/inline.ts"]));
  });
});

describe("the graph reader", () => {
  it("sees static, re-exported, side-effect and dynamic imports at any depth, and tells type-only ones apart", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "calsync-imports-"));
    try {
      const write = (file: string, source: string) => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), source);
      };
      write("route.ts", `import { a } from "@/lib/a";\nimport type { T } from "@/lib/types";\nexport const x = a;\n`);
      write("lib/a.ts", `import {\n  b,\n} from "./b";\n// import { google } from "googleapis";\nexport const a = b;\n`);
      write(
        "lib/b.ts",
        `export { p } from "@/lib/providers";\nimport "@microsoft/microsoft-graph-client";\nexport const b = async () => (await import("./c")).c;\n`,
      );
      write("lib/c.ts", `import { a } from "./a";\nexport const c = a;\n`);
      write("lib/providers/index.ts", `import { google } from "googleapis/build/src";\nexport const p = google;\n`);
      write("lib/types.ts", `import { google } from "google-auth-library";\nexport type T = typeof google;\n`);
      const small = importGraph(root);
      const chains = reachable(small, "route.ts");
      expect([...chains.keys()].sort()).toEqual(["lib/a.ts", "lib/b.ts", "lib/c.ts", "lib/providers/index.ts", "route.ts"]);
      expect(chains.get("lib/c.ts")).toEqual(["route.ts", "lib/a.ts", "lib/b.ts", "lib/c.ts"]);
      expect([...reachable(small, "route.ts", { dynamic: false }).keys()]).not.toContain("lib/c.ts");
      expect(small.edges("lib/b.ts").map((edge) => [edge.specifier, edge.target, edge.dynamic])).toEqual([
        ["@/lib/providers", "lib/providers/index.ts", false],
        ["@microsoft/microsoft-graph-client", null, false],
        ["./c", "lib/c.ts", true],
      ]);
      expect(packageName("googleapis/build/src")).toBe("googleapis");
      expect(packageName("@microsoft/microsoft-graph-client/lib")).toBe("@microsoft/microsoft-graph-client");
      // a -> b -> (dynamic) c -> a is a circle; the type-only route -> types edge is not followed but is in the graph.
      expect(importCycles(small, sourceFiles(root, ["route.ts", "lib"]))).toEqual([["lib/a.ts", "lib/b.ts", "lib/c.ts"]]);
      expect(small.edges("route.ts").find((edge) => edge.target === "lib/types.ts")?.typeOnly).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
