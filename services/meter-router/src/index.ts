export * from './meter-router';
export * from './start-router-thread';
export * from './dedup-changelog';
