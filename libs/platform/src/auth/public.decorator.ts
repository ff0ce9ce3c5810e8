import { SetMetadata, type CustomDecorator } from '@nestjs/common';

/** Metadata key of @Public(). */
export const IS_PUBLIC_ROUTE = 'studypath:public-route';

/**
 * Marks a route (or every route of a controller) as open to requests without a bearer token.
 * Every other route needs one: JwtAuthGuard is global.
 */
export const Public = (): CustomDecorator<string> => SetMetadata(IS_PUBLIC_ROUTE, true);
