import { beyondBackfillLimit } from '../routing/route-decision';
import { BACKFILL_ACCEPT_MARGIN_MS, backfillAcceptAgeMs, tooOldToAccept } from './backfill-age';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 15, 12);

describe('the backfill age the gateway accepts', () => {
  it('refuses what is older than the limit less the margin, and accepts the rest', () => {
    const limit = 35 * DAY;
    const edge = NOW - limit + BACKFILL_ACCEPT_MARGIN_MS;
    expect(tooOldToAccept(edge, NOW, limit)).toBe(false);
    expect(tooOldToAccept(edge - 1, NOW, limit)).toBe(true);
    // The same rule as a maximum age (what the ingest validator takes): older than now - age.
    for (const t of [edge - 1, edge, edge + 1]) expect(tooOldToAccept(t, NOW, limit)).toBe(t < NOW - backfillAcceptAgeMs(limit));
  });

  it('never accepts an event the router would dead-letter when its record is written within the margin', () => {
    const limit = 2 * DAY;
    const ages = [limit - BACKFILL_ACCEPT_MARGIN_MS - 1, limit - BACKFILL_ACCEPT_MARGIN_MS, limit - BACKFILL_ACCEPT_MARGIN_MS + 1, limit - 1, limit];
    const accepted = ages.filter((age) => !tooOldToAccept(NOW - age, NOW, limit));
    expect(accepted).toEqual(ages.slice(0, 2));
    for (const age of accepted) {
      for (const produceDelay of [0, 1, BACKFILL_ACCEPT_MARGIN_MS]) expect(beyondBackfillLimit(NOW - age, NOW + produceDelay, limit)).toBe(false);
    }
  });
});
