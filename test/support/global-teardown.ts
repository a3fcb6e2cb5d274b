/** Stops containers started by global-setup; the native stack is left running for the next run. */
export default async function globalTeardown(): Promise<void> {
  const stop = (globalThis as { __meterstreamStop?: () => Promise<void> }).__meterstreamStop;
  if (stop) await stop();
}
