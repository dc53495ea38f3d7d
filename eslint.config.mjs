// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'coverage/**',
      'scratch/**',
      'bench/.venv/**',
      'bench/.build/**',
      'bench/.work/**',
      'trainers/transformers/.venv/**',
      'trainers/dist/**',
      'trainers/node_modules/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Implementations of async interfaces (backends, activities) often have nothing to await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      globals: globals.node,
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The CLI writes to the terminal only through src/cli/format.ts, which escapes control characters (a
    // delivery id holding ESC[2J must not clear an operator's screen): no direct writes anywhere else.
    files: ['src/cli.ts', 'src/cli/**/*.ts'],
    ignores: ['src/cli/format.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='write'][callee.object.property.name=/^(stdout|stderr)$/]",
          message:
            'Print through src/cli/format.ts (output, print, printError, printJson, printLive): it escapes control characters.',
        },
      ],
    },
  },
  {
    // Workflow code is bundled and replayed: no I/O, no Node built-ins, no non-deterministic globals.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
            name,
            message: 'Workflow code must be deterministic: no Node built-ins (do I/O in an activity).',
          })),
          patterns: [
            { group: ['../activities/*', '../backends/*', '../hub/*', '../server/*'], allowTypeImports: true },
          ],
        },
      ],
    },
  },
);
