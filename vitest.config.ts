import { defineConfig } from "vitest/config";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Two projects, split by file name so a test's kind is visible where it sits:
//   *.test.ts      unit: no database, no network, no emulator; next to the code.
//   *.int.test.ts  integration: a real database (PostgreSQL when DATABASE_URL or
//                  TEST_DATABASE_URL is set, else embedded PGlite) and/or the provider
//                  emulator over real HTTP.
// Playwright specs (e2e/**/*.spec.ts) are not vitest's business.
const alias = { "@": path.dirname(fileURLToPath(import.meta.url)) };
const exclude = ["node_modules/**", ".next/**", ".vercel/**", ".data/**", "e2e/**/*.spec.ts"];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["**/*.test.ts", "**/*.test.tsx"],
          exclude: [...exclude, "**/*.int.test.ts"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude,
          environment: "node",
          globalSetup: ["./scripts/test/global-setup.ts"],
          setupFiles: ["./scripts/test/jobs.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
