/** The single IPC channel for main-to-renderer events (the payload carries the event name). Kept apart so preload can import it without the schemas. */
export const EVENT_CHANNEL = 'keyholder:event';
