import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@studypath/platform';
import { MemoryHintStreamHub, RedisHintStreamHub, type HintStreamHub } from '../streams';

/**
 * The hint streams of the process: Redis Streams when REDIS_URL is set (any replica serves any
 * hint's stream), in memory in the embedded process. Closed (its readers ended) at shutdown.
 */
@Injectable()
export class HintStreams implements OnModuleDestroy {
  readonly hub: HintStreamHub;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.hub = config.redis
      ? RedisHintStreamHub.connect(config.redis.url, { readerConnectionName: 'studypath-hint' })
      : new MemoryHintStreamHub();
  }

  async onModuleDestroy(): Promise<void> {
    await this.hub.close();
  }
}
