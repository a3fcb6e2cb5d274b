import type { BuiltQuery } from './usage-queries';

/** Which of these invoice ids the invoices table holds (billing repairs the rest at start). */
export function storedInvoiceIdsQuery(ids: readonly string[]): BuiltQuery {
  return { query: 'SELECT DISTINCT id FROM invoices WHERE id IN {ids:Array(String)}', params: { ids: [...ids] } };
}

/**
 * How far a sink has made these topics durable: the next offset to apply per topic partition (the
 * highest durable offset of its progress rows), as text so that 64-bit offsets stay exact.
 */
export function sinkProgressQuery(sink: string, topics: readonly string[]): BuiltQuery {
  return {
    query: `SELECT topic, partition, toString(max(durable_offset)) AS durable FROM sink_progress
       WHERE sink = {sink:String} AND topic IN {topics:Array(String)} GROUP BY topic, partition`,
    params: { sink, topics: [...topics] },
  };
}
