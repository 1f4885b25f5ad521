import { createManualClock } from '../../src/core/clock.js';
import { MemoryStore } from '../../src/store/memory.js';
import { describeStoreContract } from '../../src/testing/index.js';

// One MemoryStore plays both clients of the concurrency tests; its time is a manual clock.
const clock = createManualClock(1_000_000);
describeStoreContract('MemoryStore', () => new MemoryStore({ clock }), { advance: (ms) => clock.advance(ms) });
