export * from './billing';
export * from './invoice-builder';
