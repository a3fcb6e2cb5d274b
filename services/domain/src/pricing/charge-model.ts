import type { Decimal } from '../decimal';
import type { FieldError } from '../errors';
import type { InvoiceLineTier } from '../model/invoice';
import type { MeterPrice } from '../model/catalog';

/**
 * A meter price as it may arrive before it is checked: Dodo's API lets tiered prices omit
 * `price_per_unit` and every price omit `free_threshold` (both then "0").
 */
export type MeterPriceInput = Omit<MeterPrice, 'price_per_unit' | 'free_threshold'> & { price_per_unit?: string; free_threshold?: string };

/** A meter's charge before rounding, for audit and tests. */
export interface MeterCharge {
  chargeable_units: string;
  /** Exact, unrounded charge in the lowest denomination. */
  raw_amount: string;
  /** Price applied to every chargeable unit (per package for `package`), or null when it varies (graduated). */
  price_per_unit: string | null;
  /** Compact human-readable breakdown, e.g. "100 × 2 + 50 × 1 + flat 10". */
  breakdown: string;
  /** Graduated and volume: the tiers that priced units, in order; empty for the other models. */
  tiers: InvoiceLineTier[];
}

/**
 * One pricing model (per_unit, graduated, volume, package): the rules of its own fields and its
 * charge. Each lives in one file of this folder; price-models.ts chooses by `model`.
 */
export interface ChargeModel {
  /** Problems of the fields this model prices with, each naming its field relative to the price. */
  validate(price: MeterPriceInput): FieldError[];
  /** Exact charge of `chargeable` (≥ 0) units, for a price `validate` accepted. No charge, no flat fee at 0. */
  charge(price: MeterPrice, chargeable: Decimal): MeterCharge;
}
