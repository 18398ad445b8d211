/**
 * The child process of netns-roost.ts: what `roost start --config FILE --data DIR` runs (the config
 * with start-defaults.ts under it), without the CLI's banner and appliance hooks.
 */
import { readConfigFile } from '../../gateway/config/config.js';
import { withStartDefaults } from '../../gateway/config/start-defaults.js';
import { startGateway } from '../../gateway/gateway.js';

const [config, dataDir] = process.argv.slice(2) as [string, string];
const gw = await startGateway({ config: withStartDefaults(readConfigFile(config)), dataDir });
process.once('SIGTERM', () => void gw.stop().then(() => process.exit(0)));
