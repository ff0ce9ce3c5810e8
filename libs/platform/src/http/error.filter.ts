import { STATUS_CODES } from 'node:http';
import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { EventSchemaError } from '@studypath/contracts';
import type { Response } from 'express';
import { ApplicationError } from '@studypath/decider';
import type { ErrorResponse } from './error-response';

interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * Turns every exception into one JSON shape, `{ statusCode, error, message, details }`, and never
 * lets a stack trace reach a client. 5xx are logged with their stack; 4xx are the client's business.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    if (!response.headersSent) response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorResponse {
    if (exception instanceof ApplicationError) {
      return build(exception.status, exception.message, exception.details);
    }
    if (exception instanceof EventSchemaError) {
      return build(400, 'the request would record an invalid event', {
        problems: exception.problems,
      });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'string') return build(status, payload);
      const { message, details } = payload as {
        message?: string | string[];
        details?: Record<string, unknown>;
      };
      if (Array.isArray(message)) {
        return build(
          status,
          message.length === 1 ? (message[0] as string) : 'the request is invalid',
          {
            problems: message,
          },
        );
      }
      return build(status, message ?? exception.message, details);
    }
    const parser = exception as BodyParserError;
    if (parser?.type === 'entity.too.large') return build(413, 'the request body is too large');
    if (parser?.type === 'entity.parse.failed')
      return build(400, 'the request body is not valid JSON');
    if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500) {
      return build(parser.status, (exception as Error).message);
    }
    return build(500, 'internal error');
  }
}

function build(
  statusCode: number,
  message: string,
  details?: Record<string, unknown>,
): ErrorResponse {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    ...(details ? { details } : {}),
  };
}
