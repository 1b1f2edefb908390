// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.dirname(new URL(import.meta.url).pathname);
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Which layer a file or import target belongs to: the top-level folder, with
 * two walls inside electron/ (the rehearsal cloud and production services
 * must not share code, so the double cannot agree with the app's bugs).
 */
function layerOf(absPath) {
  const rel = path.relative(root, absPath).split(path.sep);
  const top = rel[0];
  if (top === 'electron' && ['rehearsal', 'services', 'main', 'preload', 'ipc', 'cli', 'integration'].includes(rel[1] ?? '')) return rel[1];
  return top ?? '';
}

/** What each layer may import (by layer), and which bare modules it must not. */
const allowed = {
  shared: { layers: ['shared'], forbidNode: true, forbidBare: ['electron', 'react-dom', 'electron-store', 'conf'] },
  renderer: { layers: ['renderer', 'shared', 'assets'], forbidNode: true, forbidBare: ['electron', 'electron-store', 'conf'] },
  // Services are plain Node behind small interfaces: Electron reaches them only through main's adapters.
  services: { layers: ['services', 'shared'], forbidNode: false, forbidBare: ['electron', 'electron-store'] },
  rehearsal: { layers: ['rehearsal', 'shared'], forbidNode: false, forbidBare: ['electron'] },
  // The preload exposes the contract and nothing else: it may import only shared/ipc (and Electron's bridge).
  preload: { layers: ['shared'], onlyPaths: ['shared/ipc/'], forbidNode: false, forbidBare: [] },
  // Handlers map channels to services; they never reach into main or the CLI.
  ipc: { layers: ['ipc', 'services', 'rehearsal', 'shared'], forbidNode: false, forbidBare: ['electron'] },
  main: { layers: ['main', 'ipc', 'services', 'rehearsal', 'electron', 'shared', 'assets'], forbidNode: false, forbidBare: [] },
  cli: { layers: ['cli', 'services', 'rehearsal', 'electron', 'shared'], forbidNode: false, forbidBare: ['electron'] },
  // Integration tests drive whole workstations, the CLI included.
  integration: { layers: ['integration', 'electron', 'main', 'ipc', 'cli', 'services', 'rehearsal', 'shared'], forbidNode: false, forbidBare: [] },
  // The rest of electron/ (composition, ceremony-script, bench, lint).
  electron: { layers: ['electron', 'ipc', 'services', 'rehearsal', 'shared', 'assets'], forbidNode: false, forbidBare: [] },
};

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Layers import downward only: renderer and electron may import shared, never each other.' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    const rules = allowed[from];
    if (!rules) return {};
    function check(node, source) {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const abs = path.resolve(path.dirname(file), source);
        const target = layerOf(abs);
        if (!rules.layers.includes(target)) {
          context.report({ node, message: `Layer '${from}' must not import from '${target}' (${source}). Only downward imports are allowed: renderer and electron may import shared, never each other.` });
        } else if (rules.onlyPaths && !rules.onlyPaths.some((p) => (path.relative(root, abs).split(path.sep).join('/') + '/').startsWith(p))) {
          context.report({ node, message: `Layer '${from}' may import only ${rules.onlyPaths.join(', ')} (${source}).` });
        }
        return;
      }
      if (rules.forbidNode && nodeBuiltins.has(source)) {
        context.report({ node, message: `Layer '${from}' must stay free of Node built-ins ('${source}').` });
      }
      const bare = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0];
      if (rules.forbidBare.includes(bare)) {
        context.report({ node, message: `Layer '${from}' must not import '${bare}'.` });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal') {
          check(n, n.arguments[0].value);
        }
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test-results/**', 'playwright-report/**', 'e2e/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { keyholder: { rules: { layers: layersRule } } },
    rules: {
      'keyholder/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-console': 'off',
    },
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-globals': ['error', 'require', 'process', 'Buffer'] },
  },
);
