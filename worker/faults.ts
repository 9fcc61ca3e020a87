import { config } from '../lib/config';

/**
 * Fault injection for the ledger tests: with FIBER_FAULT_INJECTION=<point> (honoured only when
 * NODE_ENV=test) the worker kills itself with SIGKILL when it reaches that point, as a power
 * cut would. Points: before-commit (inserted, transaction open), after-commit (stored, not
 * acknowledged), after-ack.
 */
export function faultPoint(point: 'before-commit' | 'after-commit' | 'after-ack'): void {
  const cfg = config();
  if (cfg.NODE_ENV === 'test' && cfg.FIBER_FAULT_INJECTION === point) process.kill(process.pid, 'SIGKILL');
}
