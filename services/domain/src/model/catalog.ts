import type { ApiKey } from './api-key';
import type { Meter } from './meter';
import type { Interval } from '../periods/billing-periods';

/** How a meter's chargeable units are priced; each model is one file in src/pricing/. */
export const PRICING_MODELS = ['per_unit', 'graduated', 'volume', 'package'] as const;
export type PricingModel = (typeof PRICING_MODELS)[number];

/** One price tier. Tier i covers chargeable units above the previous tier's `up_to`, up to and including its own. */
export interface Tier {
  /** Decimal text; null means unbounded, and only the last tier is unbounded. */
  up_to: string | null;
  /** Decimal text, up to 12 fraction digits, lowest denomination per unit. */
  price_per_unit: string;
  /** Decimal text, lowest denomination, charged once when the tier is reached. */
  flat_fee?: string;
}

/**
 * Dodo's usage-based meter price (a price per unit over a free threshold) plus Meterstream's pricing
 * models (src/pricing/). `free_threshold` applies to every model: only units above it are chargeable.
 */
export interface MeterPrice {
  meter_id: string;
  /** per_unit (Dodo's, the default), graduated, volume, package. */
  model?: PricingModel;
  /** Graduated and volume only. */
  tiers?: Tier[];
  /** Decimal text > 0; units per package, package only. */
  package_size?: string;
  /** Decimal text, up to 12 fraction digits, in the currency's lowest denomination per unit (per package for `package`). */
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
    payment_frequency_interval: Interval;
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
