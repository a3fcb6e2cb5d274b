// A small keep-alive HTTP client for the gateway (lower overhead than fetch on a busy machine), as
// bench-freshness uses it: POST /events/ingest and GET /usage.
import http from 'node:http';

/** An answer: the status and the body parsed as JSON (`{ raw }` when it is not JSON). */
export interface Answer {
  status: number;
  body: AnswerBody;
}

/** The fields of the gateway's answers the benchmark reads. */
export interface AnswerBody {
  ingested_count?: number;
  total?: string;
  code?: string;
  message?: string;
  raw?: string;
}

export class GatewayClient {
  private readonly auth: string;
  private readonly agent: http.Agent;

  constructor(
    readonly port: number,
    key: string,
    sockets: number,
  ) {
    this.auth = `Bearer ${key}`;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request(method: string, urlPath: string, body?: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { authorization: this.auth };
      if (body) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = body.length;
      }
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path: urlPath, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: AnswerBody;
          try {
            json = JSON.parse(text) as AnswerBody;
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, body: json });
        });
        res.on('error', reject);
      });
      req.setTimeout(30000, () => req.destroy(new Error(`${method} ${urlPath}: no answer in 30 s`)));
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  /** A customer's usage total of `meterId` since `startIso` (GET /usage). */
  async usageTotal(customerId: string, meterId: string, startIso: string): Promise<number> {
    const q = new URLSearchParams({ customer_id: customerId, meter_id: meterId, start: startIso, window: 'hour' });
    const res = await this.request('GET', `/usage?${q}`);
    if (res.status !== 200) throw new Error(`GET /usage ${customerId}: ${res.status} ${JSON.stringify(res.body)}`);
    return Number(res.body.total);
  }

  close(): void {
    this.agent.destroy();
  }
}
