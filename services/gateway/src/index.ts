export * from './app';
export * from './api-key-commands';
export * from './api-key-index';
export * from './api-key-token';
export * from './auth';
export * from './event-publisher';
export * from './event-validator';
export * from './routes/billing';
