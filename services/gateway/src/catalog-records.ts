import { randomBytes } from 'node:crypto';

/** New catalog ids for objects created through the API (the records' types live in @meterstream/domain). */
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
export const newCustomerId = () => newId('cus');
export const newProductId = () => newId('prod');
export const newSubscriptionId = () => newId('sub');
export const newMeterId = () => newId('mtr');
