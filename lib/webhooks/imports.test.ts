import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The webhook routes must start cold without loading a provider SDK: a Graph
// handshake has 10 s, and a notification 3 s, including that start. This walks the
// static imports (dynamic `import()` loads lazily, so it does not count) from each
// route and fails on any path to an SDK or to the provider registry.

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const ROUTES = ["app/api/webhooks/google/route.ts", "app/api/webhooks/microsoft/route.ts", "app/api/webhooks/microsoft/lifecycle/route.ts"];
const FORBIDDEN_PACKAGES = ["googleapis", "google-auth-library", "@microsoft/microsoft-graph-client"];
const FORBIDDEN_FILES = ["lib/providers/index.ts"];

const IMPORT = /(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/g;

function staticImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const match of code.matchAll(IMPORT)) {
    // `import type` / `export type` vanish at compile time.
    if (match[1]) continue;
    found.push(match[2]!);
  }
  return found;
}

function resolveLocal(root: string, from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith("@/")) base = path.join(root, specifier.slice(2));
  else if (specifier.startsWith(".")) base = path.resolve(path.dirname(from), specifier);
  else return null;
  const stem = base.replace(/\.js$/, "");
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${path.relative(root, from)}: cannot resolve ${specifier}`);
}

interface Walk {
  files: Set<string>;
  /** Forbidden things reached, each with the chain of files that leads there. */
  violations: string[];
}

function walkImports(root: string, entry: string): Walk {
  const files = new Set<string>();
  const violations: string[] = [];
  const visit = (file: string, chain: string[]) => {
    const relative = path.relative(root, file);
    if (files.has(relative)) return;
    files.add(relative);
    const here = [...chain, relative];
    if (FORBIDDEN_FILES.includes(relative)) violations.push(here.join(" -> "));
    for (const specifier of staticImports(fs.readFileSync(file, "utf8"))) {
      if (FORBIDDEN_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
        violations.push([...here, specifier].join(" -> "));
        continue;
      }
      const next = resolveLocal(root, file, specifier);
      if (next) visit(next, here);
    }
  };
  visit(path.join(root, entry), []);
  return { files, violations };
}

describe("webhook route imports", () => {
  for (const route of ROUTES) {
    it(`${route} reaches no provider SDK and not lib/providers/index`, () => {
      const walk = walkImports(ROOT, route);
      expect(walk.violations).toEqual([]);
      // The walk really followed the chain down to the database and the dispatcher.
      expect(walk.files).toContain("lib/jobs/dispatch.ts");
      expect(walk.files).toContain("lib/db/client.ts");
    });
  }

  it("the walk finds an SDK or the provider registry behind any depth, and ignores type-only imports", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "calsync-imports-"));
    try {
      const write = (file: string, source: string) => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), source);
      };
      write("route.ts", `import { a } from "@/lib/a";\nimport type { T } from "@/lib/types";\nexport const x = a;\n`);
      write("lib/a.ts", `import {\n  b,\n} from "./b";\n// import { google } from "googleapis";\nexport const a = b;\n`);
      write("lib/b.ts", `export { p } from "@/lib/providers";\nimport "@microsoft/microsoft-graph-client";\nexport const b = await import("googleapis");\n`);
      write("lib/providers/index.ts", `import { google } from "googleapis";\nexport const p = google;\n`);
      write("lib/types.ts", `import { google } from "google-auth-library";\nexport type T = typeof google;\n`);
      const walk = walkImports(root, "route.ts");
      expect(walk.violations.sort()).toEqual([
        "route.ts -> lib/a.ts -> lib/b.ts -> @microsoft/microsoft-graph-client",
        "route.ts -> lib/a.ts -> lib/b.ts -> lib/providers/index.ts",
        "route.ts -> lib/a.ts -> lib/b.ts -> lib/providers/index.ts -> googleapis",
      ]);
      expect(walk.files).not.toContain("lib/types.ts");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
