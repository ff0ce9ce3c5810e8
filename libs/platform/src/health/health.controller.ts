import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Controller,
  Get,
  Header,
  Inject,
  Req,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isLoopbackHost } from '../http/loopback';
import { HealthRegistry, withTimeout } from './health-contributor';

const CHECK_TIMEOUT_MS = 3000;

class PublicHealth {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  /** The check under way: concurrent requests share it, so a flood of probes runs one at a time. */
  private running: Promise<HealthCheckResult> | undefined;
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: HealthRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const token = config.edge.healthDetailsToken;
    this.tokenDigest = token === null ? undefined : digest(token);
  }

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
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'Readiness: up (200) when every dependency of this process is, else down (503). Operators see each dependency (see docs/configuration.md, HEALTH_DETAILS_TOKEN)',
  })
  @ApiHeader({
    name: 'Authorization',
    required: false,
    description: 'Bearer <HEALTH_DETAILS_TOKEN>: the detailed report of every dependency',
  })
  @ApiOkResponse({ type: PublicHealth, description: 'Every dependency is up' })
  @ApiServiceUnavailableResponse({
    type: PublicHealth,
    description: 'At least one dependency is down',
  })
  async check(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PublicHealth | HealthCheckResult> {
    const report = await (this.running ??= this.runChecks().finally(() => {
      this.running = undefined;
    }));
    const up = report.status === 'ok';
    response.status(up ? 200 : 503);
    // Terminus's own report, as is (not the API's error shape): SRE reads it.
    return this.isOperator(request) ? report : { status: up ? 'up' : 'down' };
  }

  /**
   * Who sees the detailed report (broker addresses, pool figures, errors): a request with the
   * operators' token, and in the embedded process, which is for this machine, any caller on it.
   */
  private isOperator(request: Request): boolean {
    const header = request.headers.authorization;
    if (this.tokenDigest && header?.startsWith('Bearer ')) {
      return timingSafeEqual(digest(header.slice('Bearer '.length)), this.tokenDigest);
    }
    // The socket's own address, not req.ip: a forwarded-for header must not make a caller local.
    const peer = request.socket.remoteAddress ?? '';
    return this.config.role === 'embedded' && isLoopbackHost(peer);
  }

  private async runChecks(): Promise<HealthCheckResult> {
    try {
      return await this.health.check(
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
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      return error.getResponse() as HealthCheckResult;
    }
  }
}
