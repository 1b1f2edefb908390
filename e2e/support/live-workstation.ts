/**
 * The parent's handle on a workstation running in its own process
 * (live-workstation-main.ts): start it on a data folder, reach its page,
 * call its channels, restart it ("close and reopen the app"), stop it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../bridge/server';
import type { Channel, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import type { IpcResult } from '../../shared/ipc/define';

export interface LiveWorkstationOptions {
  dataDir: string;
  /** The CA the workstation trusts as a corporate root (NODE_EXTRA_CA_CERTS). */
  caCertPath: string;
  policyFile?: string;
  /** Where sign-in pages go: the holder's browser. */
  openBrowser(url: string): Promise<void>;
}

export class LiveWorkstation {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: unknown) => void>();
  url = '';

  private constructor(private readonly o: LiveWorkstationOptions) {}

  static async start(o: LiveWorkstationOptions): Promise<LiveWorkstation> {
    const w = new LiveWorkstation(o);
    await w.spawn();
    return w;
  }

  private spawn(): Promise<void> {
    const child = fork(path.join(REPO_ROOT, 'e2e/support/live-workstation-main.ts'), [JSON.stringify({ dataDir: this.o.dataDir, ...(this.o.policyFile ? { policyFile: this.o.policyFile } : {}) })], {
      execArgv: ['--import', 'tsx', '--import', path.join(REPO_ROOT, 'e2e/support/corporate-dns.mjs')],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: this.o.caCertPath },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the workstation process exited (${code ?? 'signal'}) before it was ready`)));
      child.on('message', (m: { type: string; url?: string; id?: number; result?: unknown }) => {
        if (m.type === 'ready') {
          this.url = m.url!;
          resolve();
        } else if (m.type === 'open') void this.o.openBrowser(m.url!);
        else if (m.type === 'result') {
          this.pending.get(m.id!)?.(m.result);
          this.pending.delete(m.id!);
        }
      });
    });
  }

  call<C extends Channel>(name: C, request: RequestOf<C>): Promise<IpcResult<ResponseOf<C>>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (r: unknown) => void);
      this.child!.send({ type: 'call', id, name, request });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.removeAllListeners('exit');
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.send({ type: 'close' });
    });
    this.child = null;
  }

  /** Close and reopen the app on the same data folder. */
  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }
}
