export * from './api';
export * from './envelope';
export * from './status';
export * from './preview';
