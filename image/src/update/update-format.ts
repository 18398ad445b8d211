/** The update file format moved to protocols/update/update-format.ts (the gateway reads uploads with it); image/ keeps its import path. */
export * from '../../../protocols/update/update-format.js';
