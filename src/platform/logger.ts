import pino from 'pino';

// Structured logs. Anything that could carry a secret or personal data is redacted by path, and request
// logs carry the path only (no query string, no bodies).
export function createLogger(level: string) {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'secret',
        '*.secret',
        'headers.cookie',
        'headers.authorization',
        '*.id_number',
        'id_number',
        'req.headers.cookie',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
