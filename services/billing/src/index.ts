export * from './billing';
export * from './invoice-builder';
export * from './invoice-ledger';
