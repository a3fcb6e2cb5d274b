export * from './billing';
export * from './invoice-id';
export * from './invoice-pricer';
