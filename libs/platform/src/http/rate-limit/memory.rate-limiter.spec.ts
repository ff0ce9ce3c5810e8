import { MemoryRateLimiter } from './memory.rate-limiter';
import { CONTRACT_RULES, describeRateLimiterContract } from './rate-limiter.contract-suite';

describeRateLimiterContract('in memory', async () => new MemoryRateLimiter(CONTRACT_RULES));
