export * from './model';
export * from './calendar';
export * from './reminders';
export * from './dashboard';
export * from './policy';
export * from './rotation';
export * from './rotation-runner';
