// Which requests get a line in the access log. A pino line costs about 20 µs of CPU, as much as the rest of a
// cached page view, so by default (ACCESS_LOG=slow) the log keeps what an operator looks for — every request
// that changes something (methods other than GET and HEAD), every error response (status 400 and up) and
// every request slower than ACCESS_LOG_SLOW_MS — and leaves out fast, successful reads. ACCESS_LOG=all writes
// one line per request. Every line written carries the request id (also sent as X-Request-Id).
export interface AccessLogPolicy {
  mode: 'all' | 'slow';
  slowMs: number;
}

/** Whether a finished request is written to the access log under the policy. */
export function accessLogged(p: AccessLogPolicy, method: string, status: number, ms: number): boolean {
  return p.mode === 'all' || status >= 400 || ms >= p.slowMs || (method !== 'GET' && method !== 'HEAD');
}
