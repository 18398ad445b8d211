/** Entry point of the `roost` command (bin/roost.js, and the bundle's entry in image/bundle.ts). */
import { main } from './roost.js';

process.exitCode = await main(process.argv.slice(2));
