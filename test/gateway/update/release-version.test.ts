import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../../../protocols/errors.js';
import { compareVersions } from '../../../gateway/update/release-version.js';

test('release versions order as SemVer 2.0.0 §11 says', () => {
  // §11.4's example, oldest first.
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
  for (let i = 0; i < ordered.length - 1; i++) {
    assert.ok(compareVersions(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.ok(compareVersions(ordered[i + 1]!, ordered[i]!) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
  }
  assert.equal(compareVersions('0.1.0+build.5', '0.1.0'), 0);
  assert.throws(() => compareVersions('1.0', '1.0.0'), BadRequestError);
});
