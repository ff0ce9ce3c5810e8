/** Jest global teardown: stops the servers the global setup started (and only those). */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__studypathInfrastructure?.stop();
  globalThis.__studypathInfrastructure = undefined;
}
