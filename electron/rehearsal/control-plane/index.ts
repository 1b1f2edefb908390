export { ReferenceControlPlane, ApiFailure, realScheduler, type ControlPlaneOptions, type Scheduler } from './control-plane';
export { createControlPlaneRouter, type RequestHandler } from './router';
export { startStandaloneControlPlane, type StandaloneControlPlane } from './server';
export { AzureKeyStoreProbe, ProbeError, WRAP_ALGORITHM, classifyAzureError, type KeyStoreProbe, type KeyStoreAccess, type RsaPublicKey, type AzureProbeOptions } from './probe';
