/**
 * `BENCH_CPU_PROF_DIR=/tmp/prof npm run bench:…`: the node processes a bench starts (server,
 * worker) write a V8 CPU profile there when they stop. Node refuses --cpu-prof in NODE_OPTIONS,
 * so the benches put these flags on the command line themselves.
 */
export const PROFILE_FLAGS: string[] = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
