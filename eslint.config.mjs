import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Packages that talk to a chain or a database; src/core and src/report import none. */
const CHAIN_AND_DATABASE_PACKAGES = [
  "hardhat",
  "hardhat/*",
  "ethers",
  "ethers/*",
  "@openzeppelin/*",
  "@nomicfoundation/*",
  "pg",
  "mysql2",
  "better-sqlite3",
  "@electric-sql/*",
];

/** The migration kinds under src/, each on the engine in src/core. */
const KIND_FOLDERS = ["evm", "sql", "api", "aegis"];

/**
 * src/evm's rooms, lowest first: each may import the ones before it, never the ones after
 * (tasks -> src/<kind> -> src/core; DESIGN.md).
 */
const EVM_ROOMS = ["chain", "storage", "layout", "upgrade", "rehearsal"];

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      "artifacts",
      "cache",
      "typechain-types",
      "coverage",
      "deployments",
      "dist",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                ...CHAIN_AND_DATABASE_PACKAGES,
                ...KIND_FOLDERS.map((kind) => `../${kind}/*`),
              ],
              message: "src/core knows nothing of chains or databases (DESIGN.md).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/report/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                ...CHAIN_AND_DATABASE_PACKAGES,
                ...KIND_FOLDERS.map((kind) => `../${kind}/*`),
              ],
              message: "src/report renders data and imports no kind (DESIGN.md).",
            },
          ],
        },
      ],
    },
  },
  {
    // The API kind stands on the core alone: no other kind, no report renderer (the task hands
    // it one), and no chain or database package. Express and Fastify come in as types only.
    files: ["src/api/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                ...CHAIN_AND_DATABASE_PACKAGES,
                ...KIND_FOLDERS.filter((kind) => kind !== "api").map((kind) => `../${kind}/*`),
                "../report/*",
              ],
              message: "src/api imports src/core only (DESIGN.md).",
            },
            {
              group: ["express", "fastify"],
              allowTypeImports: true,
              message:
                "the adapters must not load a framework a project does not use: import its types only.",
            },
          ],
        },
      ],
    },
  },
  ...EVM_ROOMS.map((room, index) => ({
    files: [`src/evm/${room}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                ...EVM_ROOMS.slice(index + 1).map((above) => `../${above}/*`),
                "../../report/*",
                "../../aegis/*",
              ],
              message:
                `src/evm/${room} depends only on the rooms below it (` +
                `${EVM_ROOMS.slice(0, index).join(", ") || "none"}), src/evm's errors and src/core; ` +
                "reports are written by the caller.",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ["src/evm/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: EVM_ROOMS.map((room) => `./${room}/*`),
              message: "src/evm's shared errors sit below every room and import none of them.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/sql/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../evm/*", "../aegis/*", "../api/*", "../report/*", "hardhat", "hardhat/*"],
              message:
                "src/sql builds on src/core only; reports are written by the caller (DESIGN.md).",
            },
          ],
        },
      ],
    },
  },
  {
    // The plugin (tasks/plugin.ts and what it loads) is packed for other projects; the reference
    // protocol's deploy task and preset stay in this repository's own task files.
    files: ["tasks/**/*.ts"],
    ignores: ["tasks/aegis-reference.ts", "tasks/deploy.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../src/aegis/*", "../typechain-types", "../typechain-types/*"],
              message:
                "the packed plugin holds no reference protocol: register it in tasks/aegis-reference.ts.",
            },
          ],
        },
      ],
    },
  },
);
