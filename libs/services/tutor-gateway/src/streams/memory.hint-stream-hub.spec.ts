import { describeHintStreamHubContract } from './hint-stream-hub.contract-suite';
import { MemoryHintStreamHub } from './memory.hint-stream-hub';

describeHintStreamHubContract('memory', async (options) => new MemoryHintStreamHub(options));
