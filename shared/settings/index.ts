export * from './clouds';
export * from './live-settings';
export * from './policy';
export * from './key-store';
