/**
 * `npm run bench`: runs every electron/bench/*.bench.ts module and prints its
 * figures. Speeds and sizes live here, never in tests (no timed assertions).
 *
 * A bench module exports `benchmarks: Bench[]`; each `run()` returns named
 * figures (numbers or preformatted strings). `npm run bench -- expiry` runs
 * only modules whose file name contains "expiry".
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Bench {
  name: string;
  run(): Promise<Record<string, string | number>>;
}

async function main(filter: string[]): Promise<number> {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filter.length === 0 || filter.some((w) => f.includes(w)))
    .sort();
  let failed = 0;
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { benchmarks?: Bench[] };
    for (const b of mod.benchmarks ?? []) {
      process.stdout.write(`\n## ${b.name} (${f})\n`);
      try {
        const figures = await b.run();
        const width = Math.max(...Object.keys(figures).map((k) => k.length));
        for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
      } catch (e) {
        failed++;
        process.stdout.write(`  FAILED: ${(e as Error).message}\n`);
      }
    }
  }
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
