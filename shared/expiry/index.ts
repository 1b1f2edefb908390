export * from './model';
export * from './calendar';
export * from './reminders';
export * from './dashboard';
export * from './policy';
export * from './credential-rotation';
export * from './credential-rotation-runner';
