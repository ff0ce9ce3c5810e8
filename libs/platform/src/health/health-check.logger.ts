import { Injectable, Logger, type LoggerService } from '@nestjs/common';

/** How often, at most, a failing health check is logged. */
export const HEALTH_LOG_INTERVAL_MS = 60_000;

/**
 * Terminus's logger, quieter: it logs every failed check at ERROR, which during an outage is a
 * line per probe (several a second) for something `/health` already answers. Here a failing check
 * is a WARN at most once a minute, saying how many failures it stands for; nothing else changes.
 */
@Injectable()
export class HealthCheckLogger implements LoggerService {
  private readonly logger = new Logger('Health');
  private lastLogged = 0;
  private suppressed = 0;

  /** The clock (a test replaces it). */
  now: () => number = Date.now;

  error(message: unknown): void {
    const now = this.now();
    if (now - this.lastLogged < HEALTH_LOG_INTERVAL_MS) {
      this.suppressed += 1;
      return;
    }
    const more =
      this.suppressed > 0 ? ` (and ${this.suppressed} failed checks since the last report)` : '';
    this.logger.warn(`a health check failed${more}: ${firstLine(message)}`);
    this.lastLogged = now;
    this.suppressed = 0;
  }

  log(): void {
    // Terminus logs nothing worth keeping at this level.
  }

  warn(message: unknown): void {
    this.logger.warn(firstLine(message));
  }
}

function firstLine(message: unknown): string {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return (text ?? '').split('\n')[0]?.slice(0, 500) ?? '';
}
