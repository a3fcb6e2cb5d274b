import { validateCustomerInput, validateCustomerPatch } from './customer-input';
import { METADATA_LIMITS } from './input-readers';
import type { CustomerRecord } from '../model/catalog-records';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const ISO_NOW = new Date(NOW).toISOString();

const errorsOf = <T>(checked: { ok: true; value: T } | { ok: false; errors: { field: string; message: string }[] }) => {
  if (checked.ok) throw new Error('expected the input to be refused');
  return checked.errors;
};

describe('validateCustomerInput', () => {
  it('accepts name, email, phone number and metadata', () => {
    expect(validateCustomerInput({ name: 'Acme', email: 'billing@acme.test', metadata: { plan: 'pro', seats: 3, trial: false } }, 'cus_1', ISO_NOW)).toEqual({
      ok: true,
      value: { customer_id: 'cus_1', name: 'Acme', email: 'billing@acme.test', phone_number: null, metadata: { plan: 'pro', seats: 3, trial: false }, created_at: ISO_NOW },
    });
  });

  it('names every bad field', () => {
    expect(errorsOf(validateCustomerInput({ name: ' ', email: 'not-an-email', phone_number: 5, metadata: { nested: { a: 1 }, '': 'x' } }, 'cus_1', ISO_NOW))).toEqual([
      { field: 'name', message: 'must be a non-empty string' },
      { field: 'email', message: 'must be an email address' },
      { field: 'phone_number', message: 'must be a non-empty string' },
      { field: 'metadata.nested', message: 'must be a string, a number or a boolean' },
      { field: 'metadata.', message: `keys are 1 to ${METADATA_LIMITS.keyLength} characters` },
    ]);
    expect(errorsOf(validateCustomerInput({}, 'cus_1', ISO_NOW)).map((e) => e.field)).toEqual(['name', 'email']);
    expect(errorsOf(validateCustomerInput('x', 'cus_1', ISO_NOW))).toEqual([{ field: '', message: 'must be a JSON object' }]);
    const tooMany = Object.fromEntries(Array.from({ length: METADATA_LIMITS.keys + 1 }, (_, i) => [`k${i}`, i]));
    expect(errorsOf(validateCustomerInput({ name: 'a', email: 'a@b.co', metadata: tooMany }, 'cus_1', ISO_NOW))).toEqual([
      { field: 'metadata', message: `at most ${METADATA_LIMITS.keys} keys` },
    ]);
  });
});

describe('validateCustomerPatch', () => {
  const existing: CustomerRecord = { customer_id: 'cus_1', name: 'Acme', email: 'a@acme.test', metadata: { a: 1 }, phone_number: null, created_at: ISO_NOW };

  it('changes the given fields, keeps absent and null ones, replaces metadata as a whole', () => {
    expect(validateCustomerPatch({ email: 'b@acme.test', name: null, metadata: { b: 'x' } }, existing)).toEqual({
      ok: true,
      value: { ...existing, email: 'b@acme.test', metadata: { b: 'x' } },
    });
    expect(validateCustomerPatch({}, existing)).toEqual({ ok: true, value: existing });
  });

  it('refuses bad values', () => {
    expect(errorsOf(validateCustomerPatch({ email: 'nope', name: '' }, existing)).map((e) => e.field)).toEqual(['name', 'email']);
  });
});
