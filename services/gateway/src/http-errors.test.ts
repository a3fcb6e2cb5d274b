import { ERROR_CODES } from '@meterstream/domain';
import { fastifyRequestError, schemaFieldErrors } from './http-errors';

describe('schemaFieldErrors', () => {
  it('names the parameter of each Ajv error', () => {
    const query = { customer_id: ['a', 'b'], page_size: 'ten', junk: '1' };
    expect(
      schemaFieldErrors(
        [
          { keyword: 'type', instancePath: '/customer_id', params: { type: 'string' } },
          { keyword: 'type', instancePath: '/page_size', params: { type: 'integer' } },
          { keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'junk' } },
          { keyword: 'required', instancePath: '', params: { missingProperty: 'start' } },
          { keyword: 'format', instancePath: '/time_zone', params: { format: 'time-zone' } },
          { keyword: 'enum', instancePath: '/window', params: { allowedValues: ['minute', 'hour'] } },
          { keyword: 'maximum', instancePath: '/page_number', params: { limit: 10 }, message: 'must be <= 10' },
          { keyword: 'required', instancePath: '/events/0', params: { missingProperty: 'event_id' } },
        ],
        query,
      ),
    ).toEqual([
      { field: 'customer_id', message: 'given more than once: send it once' },
      { field: 'page_size', message: 'must be an integer' },
      { field: 'junk', message: 'unknown parameter: the route does not take it' },
      { field: 'start', message: 'required' },
      { field: 'time_zone', message: 'must be an IANA time zone name, e.g. Europe/Paris or UTC' },
      { field: 'window', message: 'one of minute, hour' },
      { field: 'page_number', message: 'must be <= 10' },
      { field: 'events[0].event_id', message: 'required' },
    ]);
  });
});

describe('fastifyRequestError', () => {
  it.each([
    [{ code: 'FST_ERR_BAD_URL', statusCode: 400, message: "'/%zz' is not a valid url component" }, 'INVALID_URL'],
    [{ code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414, message: 'too long' }, 'PARAMETER_TOO_LONG'],
    [{ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415, message: 'x' }, 'UNSUPPORTED_MEDIA_TYPE'],
    [{ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'x' }, 'BODY_TOO_LARGE'],
    [{ code: 'FST_ERR_CTP_SOMETHING_NEW', statusCode: 400, message: 'x' }, 'INVALID_JSON'],
    [{ code: 'FST_ERR_SOMETHING_ELSE', statusCode: 431, message: 'x' }, 'INVALID_REQUEST'],
    [{ code: 'FST_ERR_VALIDATION', statusCode: 400, message: 'x', validation: [{ keyword: 'required', instancePath: '', params: { missingProperty: 'start' } }], validationContext: 'querystring' }, 'VALIDATION_FAILED'],
  ])('maps %j to %s', (error, code) => {
    const mapped = fastifyRequestError(error, () => ({}))!;
    expect({ code: mapped.code, status: mapped.status }).toEqual({ code, status: ERROR_CODES[code as keyof typeof ERROR_CODES].status });
  });

  it('leaves a bug a bug (500 INTERNAL, decided by the caller)', () => {
    expect(fastifyRequestError(new TypeError('x is undefined'), () => undefined)).toBeUndefined();
    expect(fastifyRequestError({ statusCode: 500, message: 'x' }, () => undefined)).toBeUndefined();
  });
});
