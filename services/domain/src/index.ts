// Meterstream's business rules: pure functions and types, no I/O (no Kafka, no ClickHouse, no HTTP, no
// file system, no clock or randomness of its own). Adapters in @meterstream/common and the services
// call into it. scripts/check-layers.js fails the build when a file here imports anything else.
export * from './errors';
export * from './decimal';
export * from './time';
export * from './model/usage-event';
export * from './model/meter';
export * from './model/invoice';
export * from './model/catalog';
export * from './model/api-key';
export * from './filter/filter-evaluator';
export * from './filter/filter-validator';
export * from './catalog-input/meter-input';
export * from './aggregations/aggregations';
export * from './routing/dlq-codes';
export * from './routing/dedup-window';
export * from './routing/meter-index';
export * from './routing/record-extractor';
export * from './routing/route-decision';
export * from './billing/invoice-ledger';
export * from './billing/period-closing';
export * from './billing/late-usage';
export * from './billing/invoice-builder';
export * from './periods/billing-periods';
export * from './periods/subscription-periods';
export * from './pricing/charge-model';
export * from './pricing/graduated-price';
export * from './pricing/price-models';
export * from './pricing/price-validation';
export * from './pricing/meter-charge';
export * from './pricing/invoice-lines';
export * from './invoice/invoice-header';
export * from './model/catalog-records';
export * from './catalog-input/input-readers';
export * from './catalog-input/customer-input';
export * from './catalog-input/subscription-input';
export * from './catalog-input/product-input';
