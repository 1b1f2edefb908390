/**
 * Electronegativity (Doyensec's Electron security scanner) as a gate: its
 * findings on the app's sources are compared with a committed allow-list
 * (`docs/electronegativity-allow.json`, each entry justified in
 * `docs/electronegativity.md`). A finding the list does not cover fails the
 * run; so does an entry that no longer matches anything, so the list stays
 * true. Entries name a check and a file with a maximum count, not a line, so
 * unrelated edits to a file do not break the gate but a new occurrence does.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Finding {
  check: string;
  level: string;
  /** Path relative to the scanned root, or "(global)" for whole-application checks. */
  file: string;
  line: number;
  message: string;
}

export interface AllowEntry {
  check: string;
  file: string;
  /** How many findings of this check in this file are justified. */
  max: number;
  why: string;
}

export interface GateResult {
  /** Findings no entry covers (or beyond an entry's max): these fail the run. */
  unexpected: Finding[];
  /** Entries with no finding left: remove them (and their justification). */
  stale: AllowEntry[];
  allowed: Finding[];
}

interface Sarif {
  runs?: { results?: { ruleId?: string; level?: string; message?: { text?: string }; locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[] }[] }[];
}

/** The findings of an Electronegativity SARIF report (`-o report.sarif`). */
export function findingsFromSarif(text: string): Finding[] {
  const doc = JSON.parse(text) as Sarif;
  const out: Finding[] = [];
  for (const run of doc.runs ?? []) {
    for (const r of run.results ?? []) {
      const loc = r.locations?.[0]?.physicalLocation;
      const uri = loc?.artifactLocation?.uri ?? '';
      out.push({
        check: String(r.ruleId ?? 'UNKNOWN'),
        level: String(r.level ?? ''),
        // Global checks (e.g. missing navigation limits) report no file: "file:///".
        file: !uri || uri.startsWith('file:') ? '(global)' : uri.replace(/\\/g, '/'),
        line: loc?.region?.startLine ?? 0,
        message: String(r.message?.text ?? ''),
      });
    }
  }
  return out;
}

export function parseAllowList(text: string): AllowEntry[] {
  const doc = JSON.parse(text) as { allowed?: unknown };
  if (!Array.isArray(doc.allowed)) throw new Error('The allow-list must be {"allowed": [...]}.');
  return doc.allowed.map((e, i) => {
    const x = e as Partial<AllowEntry>;
    if (typeof x.check !== 'string' || typeof x.file !== 'string' || !Number.isInteger(x.max) || (x.max as number) < 1 || typeof x.why !== 'string' || x.why.trim().length < 20) {
      throw new Error(`Allow-list entry ${i + 1} needs check, file, max (>= 1) and a justification ("why", a sentence).`);
    }
    return x as AllowEntry;
  });
}

export function gate(findings: Finding[], allow: AllowEntry[]): GateResult {
  const unexpected: Finding[] = [];
  const allowed: Finding[] = [];
  const used = new Map<AllowEntry, number>();
  for (const f of findings) {
    const entry = allow.find((a) => a.check === f.check && a.file === f.file && (used.get(a) ?? 0) < a.max);
    if (entry) {
      used.set(entry, (used.get(entry) ?? 0) + 1);
      allowed.push(f);
    } else unexpected.push(f);
  }
  return { unexpected, stale: allow.filter((a) => !used.has(a)), allowed };
}

export function readAllowList(file: string): AllowEntry[] {
  return parseAllowList(fs.readFileSync(file, 'utf8'));
}

/** Runs the installed Electronegativity on a folder; its findings, or an error when it produced no report. */
export function scan(repoRoot: string, inputDir: string, electronVersion: string): Finding[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-electronegativity-report-'));
  try {
    const report = path.join(out, 'report.sarif');
    const tool = path.join(repoRoot, 'node_modules/@doyensec/electronegativity/dist/index.js');
    const run = spawnSync(process.execPath, [tool, '-i', inputDir, '-e', electronVersion, '-r', '-o', report], { encoding: 'utf8', timeout: 300_000 });
    if (!fs.existsSync(report)) throw new Error(`Electronegativity did not produce a report (exit ${String(run.status)}):\n${run.stderr}${run.stdout}`);
    return findingsFromSarif(fs.readFileSync(report, 'utf8'));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
