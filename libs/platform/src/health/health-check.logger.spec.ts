import { Logger } from '@nestjs/common';
import { HEALTH_LOG_INTERVAL_MS, HealthCheckLogger } from './health-check.logger';

describe('HealthCheckLogger', () => {
  it('turns a burst of failed checks into one WARN a minute, counting what it left out', () => {
    let now = 1_000_000;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const logger = new HealthCheckLogger();
      logger.now = () => now;
      for (let i = 0; i < 10; i++) {
        logger.error('Health Check has failed! {"database":{"status":"down"}}');
        now += 1000;
      }
      expect(warn).toHaveBeenCalledTimes(1);
      now += HEALTH_LOG_INTERVAL_MS;
      logger.error('Health Check has failed!\nsecond line');

      expect(error).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls[1]?.[0]).toBe(
        'a health check failed (and 9 failed checks since the last report): Health Check has failed!',
      );
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });
});
