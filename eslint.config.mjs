import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: ["node_modules/**", ".next/**", ".vercel/**", ".data/**", "lib/db/generated/**", "next-env.d.ts", "test-results/**", "playwright-report/**"],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // The floors (CONTRIBUTING.md, "Where things go"): lib/ imports only lib/, and UI
  // code reaches data through API routes. scripts/test/architecture.test.ts checks the
  // same on the whole graph, dynamic imports and relative paths included.
  {
    files: ["lib/**/*.ts", "lib/**/*.tsx"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/app/*", "@/components/*", "@/inngest", "@/inngest/*", "@/instrumentation", "@/scripts/*", "@/e2e/*"],
              message: "lib/ imports only lib/: give it what it needs from above (the composition root in inngest/ installs senders and callbacks).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["components/**/*.ts", "components/**/*.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/lib/db", "@/lib/db/*"], message: "components/ read data through API routes, never the database." }] },
      ],
    },
  },
];

export default config;
