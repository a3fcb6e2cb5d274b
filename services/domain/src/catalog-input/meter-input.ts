import { AGGREGATION_TYPES, type AggregationType, type Meter } from '../model/meter';
import type { FieldError } from '../errors';
import { validateFilter } from '../filter/filter-validator';
import { isObject } from './input-readers';

/**
 * Checks a meter definition (Dodo's MeterCreateParams plus `unique_count`) and returns the meter, or
 * the problems found, each naming its field.
 */
export function validateMeterInput(
  input: unknown,
  id: string,
  now: string,
): { ok: true; meter: Meter } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object' }] };
  const text = (field: string, max: number, required = true): string | undefined => {
    const value = input[field];
    if (value === undefined || value === null) {
      if (required) errors.push({ field, message: 'required' });
      return undefined;
    }
    if (typeof value !== 'string' || (required && value.trim().length === 0)) errors.push({ field, message: 'must be a non-empty string' });
    else if (value.length > max) errors.push({ field, message: `at most ${max} characters` });
    else return value;
    return undefined;
  };
  const name = text('name', 200);
  const eventName = text('event_name', 255);
  const unit = text('measurement_unit', 100);
  const description = text('description', 2000, false);

  let aggregation: Meter['aggregation'] | undefined;
  const agg = input.aggregation;
  if (!isObject(agg)) {
    errors.push({ field: 'aggregation', message: 'required object {type, key}' });
  } else if (!AGGREGATION_TYPES.includes(agg.type as AggregationType)) {
    errors.push({ field: 'aggregation.type', message: `one of ${AGGREGATION_TYPES.join(', ')}` });
  } else {
    const type = agg.type as AggregationType;
    const key = agg.key;
    if (type !== 'count' && (typeof key !== 'string' || key.length === 0)) {
      errors.push({ field: 'aggregation.key', message: `required for ${type}: the metadata key to aggregate` });
    } else if (key !== undefined && key !== null && (typeof key !== 'string' || key.length > 100)) {
      errors.push({ field: 'aggregation.key', message: 'must be a string of at most 100 characters' });
    } else {
      aggregation = { type, key: typeof key === 'string' ? key : null };
    }
  }

  let filter: Meter['filter'] = null;
  if (input.filter !== undefined && input.filter !== null) {
    const checked = validateFilter(input.filter, 'filter');
    if (checked.ok) filter = checked.filter;
    else errors.push(...checked.errors);
  }
  if (errors.length > 0 || !aggregation) return { ok: false, errors };
  return {
    ok: true,
    meter: {
      id,
      name: name!,
      event_name: eventName!,
      aggregation,
      measurement_unit: unit!,
      description: description ?? null,
      filter,
      archived: false,
      created_at: now,
      updated_at: now,
    },
  };
}
