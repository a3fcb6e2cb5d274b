export * from './meter-router';
export * from './start-router-thread';
