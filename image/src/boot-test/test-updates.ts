/**
 * Update files and update media the boot test makes: this build's kernel and initrd with a root
 * of the test's choosing, signed with the build's key; media as a vendor hands them out.
 */
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultBuildOptions } from '../build/build-config.js';
import { runTool } from '../build/run-tool.js';
import { readSecretKeyFile } from '../update/signing.js';
import { packUpdate } from '../update/update-file.js';
import type { TestState } from './boot-session.js';

/** A signed update file from this build's kernel and initrd and the given root, signed with the build's key. */
export function makeUpdate(s: TestState, file: string, version: string, rootfs: string): string {
  const o = defaultBuildOptions();
  const keyFile = o.signingKeyFile ?? join(s.out, 'keys', 'dev-update.key');
  const m = packUpdate(file, {
    manifest: { product: 'roost', arch: s.arch, version, commit: 'boot-test', createdAt: new Date().toISOString(), cmdline: o.extraCmdline },
    files: [{ name: 'kernel', path: join(s.out, 'boot/vmlinuz') }, { name: 'initrd', path: join(s.out, 'boot/initrd.img') }, { name: 'rootfs', path: rootfs }],
    key: readSecretKeyFile(keyFile),
  });
  return `${m.version} (${m.commit})`;
}

/** Update media as a vendor would hand it out: a filesystem labelled ROOST-UPD with the file on it. */
export async function makeMedia(s: TestState, name: string, updateFile: string): Promise<string> {
  const dir = join(s.work, `${name}.d`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  copyFileSync(updateFile, join(dir, 'roost.roostupd'));
  const img = join(s.work, `${name}.img`);
  rmSync(img, { force: true });
  const mib = Math.ceil(statSync(updateFile).size / 1024 ** 2) + 32;
  await runTool('mkfs.ext4', ['-q', '-F', '-L', 'ROOST-UPD', '-d', dir, img, `${mib}M`]);
  rmSync(dir, { recursive: true, force: true });
  return img;
}
