import tseslint from 'typescript-eslint'

/**
 * Type-aware rules only: the formatter owns layout. A floating promise in an auth server is
 * a lost error or an unordered write, so those rules are errors.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'examples/', 'coverage/', 'test-results/', 'bench/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Fastify takes async handlers where its types say void; only check real misuse.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, properties: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
)
