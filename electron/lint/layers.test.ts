/**
 * Proof that the `keyholder/layers` ESLint rule fails the lint when a layer
 * is crossed: each fixture in e2e/fixtures/lint is linted as if it sat in the
 * layer it breaks (ESLint's Node API with a pretend file path), and must
 * produce layer errors; imports a layer may use must produce none.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });
const fixture = (name: string) => readFileSync(path.join(root, 'e2e/fixtures/lint', name), 'utf8');

async function layerErrors(code: string, pretendPath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, pretendPath) });
  return result!.messages.filter((m) => m.ruleId === 'keyholder/layers' && m.severity === 2).map((m) => m.message);
}

describe('keyholder/layers', () => {
  it('renderer importing electron or the Node side fails', async () => {
    const errors = await layerErrors(fixture('renderer-imports-electron.ts'), 'renderer/x.ts');
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toMatch(/must not import 'electron'/);
    expect(errors.join('\n')).toMatch(/Layer 'renderer' must not import from 'services'/);
  });

  it('shared importing node:fs (or any Node built-in) fails', async () => {
    const errors = await layerErrors(fixture('shared-imports-node-fs.ts'), 'shared/x.ts');
    expect(errors).toEqual([
      "Layer 'shared' must stay free of Node built-ins ('node:fs').",
      "Layer 'shared' must stay free of Node built-ins ('path').",
    ]);
  });

  it('electron importing the renderer fails', async () => {
    const errors = await layerErrors(fixture('electron-imports-renderer.ts'), 'electron/main/x.ts');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Layer 'main' must not import from 'renderer'/);
  });

  it('services importing the rehearsal cloud fails, static or dynamic', async () => {
    const errors = await layerErrors(fixture('services-imports-rehearsal.ts'), 'electron/services/x.ts');
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatch(/Layer 'services' must not import from 'rehearsal'/);
  });

  it('the rehearsal cloud importing the services fails', async () => {
    const errors = await layerErrors(fixture('rehearsal-imports-services.ts'), 'electron/rehearsal/x.ts');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Layer 'rehearsal' must not import from 'services'/);
  });

  it('services importing electron fails', async () => {
    const errors = await layerErrors(fixture('services-imports-electron.ts'), 'electron/services/x.ts');
    expect(errors).toEqual(["Layer 'services' must not import 'electron'."]);
  });

  it('the preload may import only the contract (shared/ipc) and Electron', async () => {
    const errors = await layerErrors(fixture('preload-imports-services.ts'), 'electron/preload/x.ts');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/Layer 'preload' may import only shared\/ipc\//);
    expect(errors[1]).toMatch(/Layer 'preload' must not import from 'services'/);
  });

  it('ipc handlers reaching into main or the CLI, or importing electron, fail', async () => {
    const errors = await layerErrors(fixture('ipc-imports-main.ts'), 'electron/ipc/handlers/x.ts');
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/Layer 'ipc' must not import from 'main'/);
    expect(errors.join('\n')).toMatch(/Layer 'ipc' must not import from 'cli'/);
    expect(errors.join('\n')).toMatch(/Layer 'ipc' must not import 'electron'/);
  });

  it('allowed imports pass in every layer', async () => {
    const ok = fixture('allowed.ts');
    for (const where of ['renderer/x.ts', 'shared/x.ts', 'electron/main/x.ts', 'electron/services/x.ts', 'electron/rehearsal/x.ts']) {
      const rel = where.split('/').length === 2 ? ok : ok.replace("'../shared/", "'../../shared/");
      expect(await layerErrors(rel, where), where).toEqual([]);
    }
    expect(await layerErrors("import { createServices } from '../services/index';\nexport const s = createServices;\n", 'electron/main/x.ts')).toEqual([]);
    expect(await layerErrors("import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", 'electron/services/x.ts')).toEqual([]);
    expect(await layerErrors("import { App } from '../renderer/app/App';\nimport { createServices } from '../electron/services/index';\nexport const a = [App, createServices];\n", 'e2e/x.ts')).toEqual([]);
  });

  it('the fixtures themselves are ignored by the project lint, so `npm run lint` stays green', async () => {
    const [r] = await eslint.lintText(fixture('renderer-imports-electron.ts'), { filePath: path.join(root, 'e2e/fixtures/lint/renderer-imports-electron.ts'), warnIgnored: false });
    expect(r?.messages ?? []).toEqual([]);
  });
});
