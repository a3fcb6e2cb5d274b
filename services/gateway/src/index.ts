export * from './app';
export * from './event-publisher';
export * from './event-validator';
export * from './routes/billing';
