/** One reason a service is not fully well, named after the check that found it. */
export interface HealthProblem {
  check: string;
  reason: string;
  /**
   * `error`: the service cannot do its job (Kafka, the schema registry or ClickHouse unreachable);
   * `degraded` (the default): it works, but something is behind or stuck.
   */
  severity?: 'degraded' | 'error';
  /** The stuck Kafka partition, when the problem is one. */
  topic?: string;
  partition?: number;
  /** Since when (ISO time). */
  since?: string;
}

/**
 * The health port: a named check that lists what is wrong now (nothing when well). The gateway's
 * GET /readyz asks every check it was given; a service adds one by handing a check to the gateway.
 */
export interface HealthCheck {
  readonly name: string;
  problems(): HealthProblem[] | Promise<HealthProblem[]>;
}

export type HealthStatus = 'ok' | 'degraded' | 'error';

export interface Readiness {
  status: HealthStatus;
  reasons: HealthProblem[];
}

/** How long readiness() waits for one check before reporting it as not answering. */
export const CHECK_TIMEOUT_MS = 3000;

/**
 * Asks every check at once; a check that throws, or does not answer within `timeoutMs`, is a problem
 * of its own (degraded). `error` when any problem is an error, else `degraded` when any problem.
 */
export async function readiness(checks: readonly HealthCheck[], timeoutMs = CHECK_TIMEOUT_MS): Promise<Readiness> {
  const answers = await Promise.all(
    checks.map(async (check): Promise<HealthProblem[]> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<HealthProblem[]>((resolve) => {
        timer = setTimeout(() => resolve([{ check: check.name, reason: `health check did not answer within ${timeoutMs} ms` }]), timeoutMs);
      });
      try {
        return await Promise.race([Promise.resolve().then(() => check.problems()), late]);
      } catch (err) {
        return [{ check: check.name, reason: `health check failed: ${(err as Error).message}` }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const reasons = answers.flat();
  const status: HealthStatus = reasons.some((r) => r.severity === 'error') ? 'error' : reasons.length > 0 ? 'degraded' : 'ok';
  return { status, reasons };
}

/**
 * Waits for `promise` at most `ms`: true when it settled (resolved or rejected) in time, false when
 * the time ran out. What stop() uses to stay bounded whatever a dependency does.
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
