import type { Meter } from './meter';

/** Dodo's usage-based price: a fixed fee plus, per meter, a price per unit over a free threshold. */
export interface MeterPrice {
  meter_id: string;
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
  /** Billing anchor, ISO 8601. */
  start: string;
}

export interface Catalog {
  meters: Meter[];
  products: Product[];
  customers: Customer[];
  subscriptions: Subscription[];
}
