// Lint for src/, test/, bench/ and scripts/: typescript-eslint's recommended rules, and one rule of
// this project's, `boundaries/index-only`: each folder under src/ exposes its index.ts, and code
// in another folder imports only that (as Go's internal/ makes a package's inside its own). A
// folder's own files, its tests and its subfolders import each other freely.
import { dirname, relative, resolve, sep } from 'node:path';
import tseslint from 'typescript-eslint';

const SRC = resolve(import.meta.dirname, 'src');

/** The top-level folder of src/ that `file` is in ('' for src/*.ts itself, undefined outside src/). */
function folderOf(file) {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(sep);
  return parts.length === 1 ? '' : parts[0];
}

const indexOnly = {
  meta: { type: 'problem', messages: { deep: "'{{source}}' reaches inside src/{{folder}}/: import src/{{folder}}/index.js instead" } },
  create(context) {
    const from = folderOf(context.filename);
    if (from === undefined) return {};
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = resolve(dirname(context.filename), source);
      const folder = folderOf(target);
      if (folder === undefined || folder === '' || folder === from) return;
      if (relative(resolve(SRC, folder), target) === 'index.js') return;
      context.report({ node: node.source, messageId: 'deep', data: { source, folder } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config({ ignores: ['dist/', 'node_modules/', 'schema/', 'pkg/', 'test/fixtures/**/*.json'] }, ...tseslint.configs.recommended, {
  plugins: { boundaries: { rules: { 'index-only': indexOnly } } },
  rules: {
    'boundaries/index-only': 'error',
    // Unused names are errors, except a leading underscore that says "unused on purpose".
    // `interface Config extends TsOf<typeof CONFIG> {}`: a named type derived from the model.
    '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
  },
});
