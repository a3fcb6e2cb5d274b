import type { ApiKey } from './api-key';
import type { Meter } from './meter';

/** Dodo's usage-based price: a fixed fee plus, per meter, a price per unit over a free threshold. */
export interface MeterPrice {
  meter_id: string;
  /** Extensions (see services/billing/src/invoice-pricer.ts): per_unit (Dodo's, the default), graduated, volume, package. */
  model?: 'per_unit' | 'graduated' | 'volume' | 'package';
  tiers?: { up_to: string | null; price_per_unit: string; flat_fee?: string }[];
  package_size?: string;
  /** Decimal text, up to 12 fraction digits, in the currency's lowest denomination per unit. */
  price_per_unit: string;
  /** Units free of charge in each period (decimal text). */
  free_threshold: string;
}

export interface Product {
  product_id: string;
  name: string;
  price: {
    type: 'usage_based_price';
    currency: string;
    /** Lowest denomination, charged once per period. */
    fixed_price: number;
    payment_frequency_interval: 'Day' | 'Week' | 'Month' | 'Year';
    payment_frequency_count: number;
    meters: MeterPrice[];
  };
}

export interface Customer {
  customer_id: string;
  name: string;
  email: string;
}

export interface Subscription {
  subscription_id: string;
  customer_id: string;
  product_id: string;
  /** Billing anchor, ISO 8601: periods start here (it may lie in the past; due periods close at once). */
  start: string;
  /** active until cancelled; cancelled once `ends_at` is set. */
  status?: 'active' | 'cancelled';
  /** When service ends (ISO 8601): the end of the current period, or the cancel time for an immediate cancel. */
  ends_at?: string | null;
  cancel_at_period_end?: boolean;
  created_at?: string;
}

export const CATALOG_KINDS = ['meters', 'products', 'customers', 'subscriptions', 'api_keys'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

export interface CatalogObjects {
  meters: Meter;
  products: Product;
  customers: Customer;
  subscriptions: Subscription;
  /** Hashed API keys of the gateway (never the tokens). */
  api_keys: ApiKey;
}

/** The catalog as every service sees it: the latest version of each object, followed live. */
export interface CatalogView {
  get<K extends CatalogKind>(kind: K, id: string): CatalogObjects[K] | undefined;
  list<K extends CatalogKind>(kind: K): CatalogObjects[K][];
  /** Calls `listener` after every change of an object of this kind. Returns an unsubscribe function. */
  onChange<K extends CatalogKind>(kind: K, listener: (object: CatalogObjects[K]) => void): () => void;
}

/** The contents of a catalog seed file (scripts/demo-catalog.json). */
export interface CatalogSeed {
  meters: Meter[];
  products: Product[];
  customers: Customer[];
  subscriptions: Subscription[];
}
