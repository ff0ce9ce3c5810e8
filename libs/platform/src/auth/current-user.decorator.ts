import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The caller of an authenticated route: `id` is the token's subject (`sub`), 1 to 255 characters. */
export interface AuthenticatedUser {
  id: string;
}

/**
 * The authenticated caller of the route: `me(@CurrentUser() user: AuthenticatedUser)`. Only on
 * routes that need a token; on a @Public() route there is no user and using it is a programming
 * error.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => {
    const request = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>();
    if (!request.user) {
      throw new Error('@CurrentUser() is used on a route without authentication (@Public()?)');
    }
    return request.user;
  },
);
