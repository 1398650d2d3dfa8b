import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.demo/**', '.tmp/**', 'coverage/**', 'examples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-namespace': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // editor code served to the browser by Node-RED (resources/), next to jQuery and RED
    files: ['resources/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', location: 'readonly', $: 'readonly', RED: 'readonly' },
    },
  },
  {
    files: ['test/**/*.ts', 'sim/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
