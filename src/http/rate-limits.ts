import type { Config } from '../config/config.js';

/** Per-IP limits for HTTP routes (@fastify/rate-limit, in Redis when configured), from configuration. */
export function httpRateLimits(config: Config) {
  const l = config.limits;
  return {
    login: { max: l.loginPerIpPerMinute, timeWindow: 60_000 },
    registration: { max: l.registrationsPerIpPerHour, timeWindow: 3_600_000 },
    visitorSession: { max: l.visitorSessionsPerIpPerHour, timeWindow: 3_600_000 },
    passwordReset: { max: l.passwordResetsPerIpPerHour, timeWindow: 3_600_000 },
    conversation: { max: l.conversationsPerIpPerHour, timeWindow: 3_600_000 },
    upload: { max: l.uploadsPerMinute, timeWindow: 60_000 },
    dataExport: { max: l.exportsPerHour, timeWindow: 3_600_000 },
  };
}
