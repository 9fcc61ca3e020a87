/**
 * Next.js calls this once per server process before it serves requests. NEXT_RUNTIME is
 * inlined by Next at build time (not configuration), and checking it here keeps the Node-only
 * start-up out of edge bundles.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { bootWebServer } = await import('./lib/runtime/boot');
  await bootWebServer();
}
