import type { ServerResponse } from 'node:http';
import {
  HttpException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { JsonWebTokenError } from 'jsonwebtoken';
import type { Observable } from 'rxjs';
import { authException, AuthFailure, isMissingToken } from './auth-failures';
import type { AuthenticatedUser } from './current-user.decorator';
import { JwtStrategy } from './jwt.strategy';
import { IS_PUBLIC_ROUTE } from './public.decorator';

/**
 * The global guard (APP_GUARD): every HTTP route needs a valid bearer token unless it is
 * @Public(). A refused token is a 401 whose message says what was wrong; keys that cannot be
 * fetched from the identity provider are a 503.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard() implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {
    super({ defaultStrategy: strategy.passportName });
  }

  override canActivate(
    context: ExecutionContext,
  ): boolean | Promise<boolean> | Observable<boolean> {
    // Only HTTP requests carry bearer tokens; the bus does not go through guards.
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) return true;
    return super.canActivate(context) as Promise<boolean>;
  }

  override handleRequest<TUser = AuthenticatedUser>(
    error: unknown,
    user: unknown,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (!error && user) return user as TUser;
    // An error that is not about the token (a bug) stays what it is: a 500, not a 401.
    if (
      error &&
      !(
        error instanceof AuthFailure ||
        error instanceof HttpException ||
        error instanceof JsonWebTokenError
      )
    ) {
      throw error;
    }
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    const sentSomething = request.headers.authorization !== undefined;
    const failure =
      isMissingToken(info) && sentSomething
        ? new AuthFailure(
            'missing bearer token: the Authorization header must read "Bearer <token>"',
          )
        : (error ?? info);
    const exception = authException(failure, this.strategy.issuer);
    if (exception instanceof UnauthorizedException) {
      // RFC 6750: name the expected scheme, and say whether a token was there but refused.
      const response = context.switchToHttp().getResponse<ServerResponse>();
      const refused = isMissingToken(info) ? '' : ', error="invalid_token"';
      if (!response.headersSent) {
        response.setHeader('WWW-Authenticate', `Bearer realm="studypath"${refused}`);
      }
    }
    throw exception;
  }
}
