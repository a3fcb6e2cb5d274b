/** One reason a service is not fully well, named after the check that found it. */
export interface HealthProblem {
  check: string;
  reason: string;
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

export interface Readiness {
  status: 'ok' | 'degraded';
  reasons: HealthProblem[];
}

/** Asks every check; a check that throws is a problem of its own. `degraded` when any problem. */
export async function readiness(checks: readonly HealthCheck[]): Promise<Readiness> {
  const reasons: HealthProblem[] = [];
  for (const check of checks) {
    try {
      reasons.push(...(await check.problems()));
    } catch (err) {
      reasons.push({ check: check.name, reason: `health check failed: ${(err as Error).message}` });
    }
  }
  return { status: reasons.length === 0 ? 'ok' : 'degraded', reasons };
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
