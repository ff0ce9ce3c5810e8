import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { HealthRegistry, withTimeout } from './health-contributor';

const CHECK_TIMEOUT_MS = 3000;

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: HealthRegistry,
  ) {}

  @Get('live')
  @ApiOperation({
    summary:
      'Liveness only: the process answers. Restart it when this fails; take it out of traffic when /health fails',
  })
  @ApiOkResponse({ description: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: the state of every dependency of this process',
  })
  @ApiOkResponse({ description: 'Every dependency is up' })
  @ApiServiceUnavailableResponse({ description: 'At least one dependency is down' })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.runChecks();
    } catch (error) {
      // Terminus's own report, as is (not the API's error shape): SRE and probes read it.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private runChecks(): Promise<HealthCheckResult> {
    return this.health.check(
      this.registry.all().map((contributor) => async (): Promise<HealthIndicatorResult> => {
        const indicator = this.indicators.check(contributor.healthKey);
        try {
          const report = await withTimeout(
            contributor.checkHealth(),
            CHECK_TIMEOUT_MS,
            contributor.healthKey,
          );
          return report.up ? indicator.up(report.details) : indicator.down(report.details);
        } catch (error) {
          return indicator.down({
            message: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }
}
