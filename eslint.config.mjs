// The linter `npm test` runs (the lint tier): typescript-eslint with type information, zero warnings allowed.
// Only rules that catch defects are on; layout is prettier's (the format tier, `npm run format`).
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'scripts/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // a promise nobody awaits loses its rejection (an unhandled rejection kills the extension host's work);
      // node:test's describe/it return promises on purpose
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['it', 'describe', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach', 'skip', 'todo'],
            },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
];
