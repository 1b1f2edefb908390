/**
 * `npm run dev:web`: the bridge on a persistent data folder so a developer can
 * look at the app in Chromium on a machine without Electron's binary.
 * Data goes to $KEYHOLDER_DATA_DIR or ./.dev-data (ignored by git).
 */
import path from 'node:path';
import { startBridge, REPO_ROOT } from './server';
import { createLogger } from '../../electron/services/log/logger';

const dataDir = path.resolve(process.env.KEYHOLDER_DATA_DIR ?? path.join(REPO_ROOT, '.dev-data'));
const port = process.env.PORT ? Number(process.env.PORT) : 0;
const bridge = await startBridge({ dataDir, port, log: createLogger() });
console.log(`Key Holder (browser bridge) is running: ${bridge.url}`);
console.log(`Data folder: ${dataDir}`);
console.log('Open the URL in Chromium. Press Ctrl+C to stop.');
const stop = () => void bridge.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
