export * from './billing';
export * from './billing-periods';
export * from './invoice-builder';
export * from './invoice-id';
export * from './invoice-pricer';
