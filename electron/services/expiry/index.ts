export * from './expiry-service';
export * from './reminder-store';
export * from './tracked-items-source';
export * from './scheduler';
export * from './calendar-export';
export * from './graph-refresh';
export * from './atomic-file';
export * from './credential-rotation-store';
