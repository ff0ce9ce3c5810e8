import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { JwtAuthGuard } from './jwt-auth.guard';
import { AUTH_CONFIG, JwtStrategy } from './jwt.strategy';
import {
  createSigningKeys,
  DEFAULT_JWKS_CLIENT_SETTINGS,
  JWKS_CLIENT_SETTINGS,
  SigningKeys,
  type JwksClientSettings,
} from './signing-keys';

/**
 * Bearer-token authentication for every HTTP route (see AppConfig.auth for the modes): the
 * passport-jwt strategy and the global JwtAuthGuard. Imported by PlatformModule.forRoot.
 */
@Module({})
export class AuthModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: AUTH_CONFIG, useValue: config.auth },
        { provide: JWKS_CLIENT_SETTINGS, useValue: DEFAULT_JWKS_CLIENT_SETTINGS },
        {
          provide: SigningKeys,
          inject: [JWKS_CLIENT_SETTINGS],
          useFactory: (settings: JwksClientSettings): Promise<SigningKeys> =>
            createSigningKeys(config, settings),
        },
        JwtStrategy,
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
    };
  }
}
