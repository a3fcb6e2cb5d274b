import { kafkajsLogLevel, QUIET_RETRIES } from './kafkajs-log-level';

const CONCURRENT = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
const NO_COORDINATOR = 'The group coordinator is not available';

describe('kafkajsLogLevel', () => {
  it('quiets the Response line of a retried, expected broker error (the lines the demo printed at level 50)', () => {
    expect(kafkajsLogLevel('error', 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: CONCURRENT, correlationId: 23, size: 187 })).toBe('debug');
    expect(kafkajsLogLevel('error', 'Response FindCoordinator(key: 10, version: 2)', { error: NO_COORDINATOR })).toBe('debug');
    expect(kafkajsLogLevel('error', 'Response JoinGroup(key: 11, version: 5)', { error: 'This is not the correct coordinator for this group' })).toBe('debug');
    expect(kafkajsLogLevel('error', 'Response OffsetFetch(key: 9, version: 4)', { error: "The coordinator is loading and hence can't process requests for this group" })).toBe('debug');
  });

  it('quiets the producer retry line and the bare message while retries are few', () => {
    expect(kafkajsLogLevel('error', `Failed to send messages: ${CONCURRENT}`, { retryCount: 0, retryTime: 9 })).toBe('debug');
    expect(kafkajsLogLevel('error', NO_COORDINATOR, { retryCount: 1 })).toBe('debug');
  });

  it('warns when the same condition is still retried after many attempts', () => {
    expect(kafkajsLogLevel('error', `Failed to send messages: ${CONCURRENT}`, { retryCount: QUIET_RETRIES })).toBe('warn');
    expect(kafkajsLogLevel('error', NO_COORDINATOR, { retryCount: QUIET_RETRIES - 1 })).toBe('debug');
  });

  it('keeps real errors loud', () => {
    expect(kafkajsLogLevel('error', 'Response Produce(key: 0, version: 7)', { error: 'The request attempted to perform an operation on an invalid topic' })).toBe('error');
    expect(kafkajsLogLevel('error', 'Failed to send messages: This server does not host this topic-partition', { retryCount: 0 })).toBe('error');
    expect(kafkajsLogLevel('error', 'Crash: KafkaJSProtocolError: The group coordinator is not available', {})).toBe('error');
    expect(kafkajsLogLevel('error', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', {})).toBe('error');
    // The message in a field that is not a broker response does not count.
    expect(kafkajsLogLevel('error', 'Error when calling eachBatch', { error: CONCURRENT })).toBe('error');
  });

  it('leaves other levels as they are', () => {
    expect(kafkajsLogLevel('warn', NO_COORDINATOR, {})).toBe('warn');
    expect(kafkajsLogLevel('info', 'Response JoinGroup', { error: NO_COORDINATOR })).toBe('info');
  });
});
