import type { Customer, Product, Subscription } from './catalog';

/** Dodo's metadata: flat key → string, number or boolean. */
export type Metadata = Record<string, string | number | boolean>;

/**
 * What the HTTP API stores in the catalog beyond the fields every service reads (Customer, Product,
 * Subscription). All optional, so objects written before these fields existed still fit.
 */
export interface CustomerRecord extends Customer {
  metadata?: Metadata;
  phone_number?: string | null;
  created_at?: string;
}

export interface ProductRecord extends Product {
  description?: string | null;
  tax_category?: string | null;
  metadata?: Metadata;
  created_at?: string;
  updated_at?: string;
  price: Product['price'] & {
    subscription_period_interval?: Product['price']['payment_frequency_interval'];
    subscription_period_count?: number;
  };
}

export interface SubscriptionRecord extends Subscription {
  metadata?: Metadata;
  /** When the cancel request was made (ISO 8601); `ends_at` says when service ends. */
  cancelled_at?: string | null;
}
