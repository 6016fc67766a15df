import fs from "node:fs";
import path from "node:path";

// The project's import graph as the compiler sees it, read from the sources: every
// `import`/`export ... from`, side-effect import and dynamic `import()` between our
// own files, and the packages each file names. Used by the structure tests
// (scripts/test/architecture.test.ts) and the webhook cold-start test.

export interface ImportEdge {
  specifier: string;
  /** `import type` / `export type`: gone after compilation. */
  typeOnly: boolean;
  /** `import("...")`: loaded when that line runs, not when the module is. */
  dynamic: boolean;
}

const STATIC = /(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

export function parseImports(source: string): ImportEdge[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const edges: ImportEdge[] = [];
  for (const match of code.matchAll(STATIC)) edges.push({ specifier: match[2]!, typeOnly: Boolean(match[1]), dynamic: false });
  for (const match of code.matchAll(DYNAMIC)) edges.push({ specifier: match[1]!, typeOnly: false, dynamic: true });
  return edges;
}

/** Our own file a specifier names (relative to `root`), or null for a package. */
export function resolveLocal(root: string, from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith("@/")) base = path.join(root, specifier.slice(2));
  else if (specifier.startsWith(".")) base = path.resolve(path.dirname(path.join(root, from)), specifier);
  else return null;
  const stem = base.replace(/\.(js|mjs)$/, "");
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return path.relative(root, candidate);
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

/** The package a bare specifier names (`@scope/name` or `name`). */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

export interface GraphEdge extends ImportEdge {
  /** Our file, or null when the specifier names a package. */
  target: string | null;
}

export interface ImportGraph {
  root: string;
  edges(file: string): GraphEdge[];
}

export function importGraph(root: string): ImportGraph {
  const cache = new Map<string, GraphEdge[]>();
  return {
    root,
    edges(file) {
      let found = cache.get(file);
      if (!found) {
        const source = fs.readFileSync(path.join(root, file), "utf8");
        found = parseImports(source).map((edge) => ({ ...edge, target: resolveLocal(root, file, edge.specifier) }));
        cache.set(file, found);
      }
      return found;
    },
  };
}

export interface WalkOptions {
  /** Follow `import()` too (default: yes). */
  dynamic?: boolean;
}

/** Every file reachable from `entry` (type-only imports are not followed), each with the chain that first reached it. */
export function reachable(graph: ImportGraph, entry: string, options: WalkOptions = {}): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  const visit = (file: string, chain: string[]) => {
    if (chains.has(file)) return;
    const here = [...chain, file];
    chains.set(file, here);
    for (const edge of graph.edges(file)) {
      if (edge.typeOnly || (edge.dynamic && options.dynamic === false)) continue;
      if (edge.target) visit(edge.target, here);
    }
  };
  visit(entry, []);
  return chains;
}

/** The source files under `dirs` (relative to root), tests and generated code left out. */
export function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    const full = path.join(root, dir);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isFile()) {
      files.push(dir);
      return;
    }
    for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules" || entry.name === "generated" || entry.name.startsWith(".")) continue;
        walk(relative);
      } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.(test|spec)\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        files.push(relative);
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return files.sort();
}

/** Strongly connected components of more than one file (or a file importing itself): the import circles. */
export function importCycles(graph: ImportGraph, files: readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const inScope = new Set(files);
  const strongConnect = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const edge of graph.edges(file)) {
      const next = edge.target;
      if (!next || !inScope.has(next)) continue;
      if (!index.has(next)) {
        strongConnect(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfImport = graph.edges(file).some((edge) => edge.target === file);
      if (component.length > 1 || selfImport) cycles.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) strongConnect(file);
  return cycles;
}
