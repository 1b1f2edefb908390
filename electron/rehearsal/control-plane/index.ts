export { ReferenceControlPlane } from './control-plane';
export { createControlPlaneRouter } from './router';
export { AzureKeyStoreProbe } from './probe';
