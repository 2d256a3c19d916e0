import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules", "artifacts", "cache", "typechain-types", "coverage", "deployments"] },
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
                "../evm/*",
                "../sql/*",
                "../api/*",
                "../aegis/*",
              ],
              message: "src/core knows nothing of chains or databases (DESIGN.md).",
            },
          ],
        },
      ],
    },
  },
);
