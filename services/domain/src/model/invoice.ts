export type InvoiceLineType = 'fixed' | 'meter' | 'adjustment';

/** All quantities and amounts are exact decimal text; amounts are in the currency's lowest denomination. */
export interface InvoiceLine {
  type: InvoiceLineType;
  meter_id: string | null;
  description: string;
  units_consumed: string | null;
  free_threshold: string | null;
  chargeable_units: string | null;
  price_per_unit: string | null;
  amount: string;
  /** Adjustment lines: the earlier period whose late usage this line bills. */
  adjusted_period_start?: string | null;
  adjusted_period_end?: string | null;
  /**
   * Meter and adjustment lines: ids of the corrections and backfill batches first billed by this line,
   * sorted (buildInvoice: a meter line those in its period when billed, an adjustment those no earlier
   * line of its period and meter listed); empty on other lines.
   */
  corrections?: string[];
  /** Meter lines: the pricing model; null on other lines. */
  pricing_model?: string | null;
  /** Graduated and volume lines: the tiers that priced units; empty otherwise. */
  tiers?: InvoiceLineTier[];
}

/** One tier's part of a meter line; the parts' amounts add up to the line's exact charge. */
export interface InvoiceLineTier {
  up_to: string | null;
  units: string;
  price_per_unit: string;
  flat_fee: string;
  /** units × price_per_unit + flat_fee, exact (the line's amount is rounded once, from their sum). */
  amount: string;
}

export interface Invoice {
  id: string;
  subscription_id: string;
  customer_id: string;
  product_id: string;
  currency: string;
  period_start: string;
  period_end: string;
  status: 'issued';
  lines: InvoiceLine[];
  subtotal: string;
  total: string;
  issued_at: string;
}
