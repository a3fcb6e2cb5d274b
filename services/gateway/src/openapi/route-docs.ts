/**
 * OpenAPI documentation of every gateway route, keyed by "METHOD /path". Attached to the routes as
 * their `schema` when they are registered, so @fastify/swagger generates the document from them. The
 * schemas document; the handlers validate (with field-level errors and our error codes).
 * `dodo: true` marks routes that follow Dodo Payments' API (x-dodo-compatible in the document).
 */
export interface RouteDoc {
  summary: string;
  tag: string;
  dodo: boolean;
  querystring?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

const str = { type: 'string' };
const int = { type: 'integer' };
const page = { page_size: { ...int, minimum: 1, maximum: 100, default: 10 }, page_number: { ...int, minimum: 0, default: 1 } };
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required });

const eventInput = obj(
  {
    event_id: str,
    customer_id: str,
    event_name: str,
    timestamp: { type: 'string', format: 'date-time' },
    metadata: { type: 'object', additionalProperties: { anyOf: [str, { type: 'number' }, { type: 'boolean' }] } },
  },
  ['event_id', 'customer_id', 'event_name'],
);
const filter = { type: 'object', description: '{conjunction: and|or, clauses: conditions or nested filters}, at most 3 levels' };

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /events/ingest': {
    summary: 'Ingest 1 to 1000 usage events; ids seen before are ignored',
    tag: 'Usage events',
    dodo: true,
    body: obj({ events: { type: 'array', minItems: 1, maxItems: 1000, items: eventInput } }, ['events']),
  },
  'GET /events': {
    summary: 'List events, newest first',
    tag: 'Usage events',
    dodo: true,
    querystring: obj({ customer_id: str, event_name: str, meter_id: str, start: { ...str, format: 'date-time' }, end: { ...str, format: 'date-time' }, ...page }),
  },
  'GET /events/:event_id': { summary: 'Retrieve an event', tag: 'Usage events', dodo: true },
  'POST /meters': {
    summary: 'Create a meter',
    tag: 'Meters',
    dodo: true,
    body: obj(
      {
        name: str,
        event_name: str,
        measurement_unit: str,
        description: str,
        aggregation: obj({ type: { enum: ['count', 'sum', 'max', 'last', 'unique_count'] }, key: str }, ['type']),
        filter,
      },
      ['name', 'event_name', 'measurement_unit', 'aggregation'],
    ),
  },
  'GET /meters': { summary: 'List meters', tag: 'Meters', dodo: true, querystring: obj({ archived: { type: 'boolean' }, ...page }) },
  'GET /meters/:id': { summary: 'Retrieve a meter', tag: 'Meters', dodo: true },
  'DELETE /meters/:id': { summary: 'Archive a meter', tag: 'Meters', dodo: true },
  'POST /meters/:id/unarchive': { summary: 'Unarchive a meter', tag: 'Meters', dodo: true },
  'GET /usage': {
    summary: "A meter's usage for a customer, total and per window (decimal strings)",
    tag: 'Usage',
    dodo: false,
    querystring: obj(
      { customer_id: str, meter_id: str, start: { ...str, format: 'date-time' }, end: { ...str, format: 'date-time' }, window: { enum: ['minute', 'hour', 'day', 'month'] }, time_zone: str },
      ['customer_id', 'meter_id', 'start'],
    ),
  },
  'POST /customers': { summary: 'Create a customer', tag: 'Customers', dodo: true, body: obj({ name: str, email: str, metadata: { type: 'object' } }, ['name', 'email']) },
  'GET /customers': { summary: 'List customers', tag: 'Customers', dodo: true, querystring: obj({ ...page }) },
  'GET /customers/:id': { summary: 'Retrieve a customer', tag: 'Customers', dodo: true },
  'PATCH /customers/:id': { summary: 'Update a customer', tag: 'Customers', dodo: true, body: obj({ name: str, email: str, metadata: { type: 'object' } }) },
  'POST /products': { summary: 'Create a product with a usage-based price', tag: 'Products', dodo: true, body: { type: 'object' } },
  'GET /products': { summary: 'List products', tag: 'Products', dodo: true, querystring: obj({ ...page }) },
  'GET /products/:id': { summary: 'Retrieve a product', tag: 'Products', dodo: true },
  'POST /subscriptions': {
    summary: 'Subscribe a customer to a product (start may lie in the past)',
    tag: 'Subscriptions',
    dodo: true,
    body: obj({ customer_id: str, product_id: str, start: { ...str, format: 'date-time' } }, ['customer_id', 'product_id']),
  },
  'GET /subscriptions': { summary: 'List subscriptions', tag: 'Subscriptions', dodo: true, querystring: obj({ customer_id: str, status: str, ...page }) },
  'GET /subscriptions/:id': { summary: 'Retrieve a subscription', tag: 'Subscriptions', dodo: true },
  'PATCH /subscriptions/:id': { summary: 'Update a subscription', tag: 'Subscriptions', dodo: true, body: { type: 'object' } },
  'POST /subscriptions/:id/cancel': { summary: 'Cancel at period end, or immediately with a final invoice', tag: 'Subscriptions', dodo: false, body: obj({ immediately: { type: 'boolean' } }) },
  'GET /subscriptions/:id/usage-history': { summary: 'Usage per billing period and meter', tag: 'Subscriptions', dodo: true },
  'GET /subscriptions/:id/invoice-preview': { summary: "The open period's invoice from real-time usage", tag: 'Invoices', dodo: false },
  'GET /invoices': { summary: 'List invoices', tag: 'Invoices', dodo: false, querystring: obj({ customer_id: str, subscription_id: str, status: str, ...page }) },
  'GET /invoices/:id': { summary: 'Retrieve an invoice', tag: 'Invoices', dodo: false },
  'POST /billing/run': { summary: 'Close the periods that are due now (the scheduler does this every BILLING_TICK_MS): 200 with the invoices, or 202 when the run takes longer than 1.5 s', tag: 'Billing', dodo: false },
  'GET /billing/runs/:run_id': { summary: 'A billing run: queued, running, completed (with its invoices) or failed', tag: 'Billing', dodo: false },
  'POST /api-keys': { summary: 'Create an API key (the token is shown once)', tag: 'API keys', dodo: false, body: obj({ name: str, scopes: { type: 'array', items: { enum: ['ingest', 'read', 'admin'] } } }, ['name', 'scopes']) },
  'GET /api-keys': { summary: 'List API keys (never the token or its hash)', tag: 'API keys', dodo: false },
  'DELETE /api-keys/:id': { summary: 'Revoke an API key', tag: 'API keys', dodo: false },
  'GET /openapi.json': { summary: 'This OpenAPI document', tag: 'Meta', dodo: false },
  'GET /healthz': { summary: 'Liveness', tag: 'Meta', dodo: false },
  'GET /readyz': { summary: 'Readiness: ok, or degraded (503) with the reasons, e.g. a partition whose flush is failing', tag: 'Meta', dodo: false },
};

/** The route's schema for @fastify/swagger, or undefined when it has no documentation. */
export function routeSchema(method: string, url: string): Record<string, unknown> | undefined {
  const doc = ROUTE_DOCS[`${method} ${url}`];
  if (!doc) return undefined;
  const schema: Record<string, unknown> = {
    summary: doc.summary,
    tags: [doc.tag],
    'x-dodo-compatible': doc.dodo,
  };
  if (doc.querystring) schema.querystring = doc.querystring;
  if (doc.body) schema.body = doc.body;
  if (method !== 'GET' || (url !== '/healthz' && url !== '/readyz')) schema.security = [{ bearerAuth: [] }];
  return schema;
}
