export * from './meter-router';
export * from './meter-index';
export * from './record-extractor';
export * from './start-router-thread';
