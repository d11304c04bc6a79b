import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { claimSourceDir, ownerOf, releaseSourceDir, type PluginOwner } from '../src/plugins/attribution.ts';

const root = path.resolve('/srv/app/plugins');
const owner = (name: string): PluginOwner => ({ name, fault: () => undefined });
const withStack = (...frames: string[]): Error => Object.assign(new Error('boom'), { stack: ['Error: boom', ...frames.map((f) => `    at ${f}`)].join('\n') });
const claimed: [string, PluginOwner][] = [];
const claim = (dir: string, who: PluginOwner): void => {
  claimed.push([dir, who]);
  claimSourceDir(dir, who);
};

afterEach(() => {
  for (const [dir, who] of claimed.splice(0)) releaseSourceDir(dir, who);
});

describe('ownerOf: which plugin an escaped error belongs to, from its stack', () => {
  it('is the plugin whose folder holds the innermost frame, as a path or a file URL', () => {
    const users = owner('users');
    const billing = owner('billing');
    claim(path.join(root, 'users'), users);
    claim(path.join(root, 'billing'), billing);
    const usersFile = path.join(root, 'users/src/plugin.ts');
    const billingFile = path.join(root, 'billing/src/plugin.ts');
    expect(ownerOf(withStack('JSON.parse (<anonymous>)', `Timeout._onTimeout (${usersFile}:12:5)`, `tick (${billingFile}:3:1)`))).toBe(users);
    expect(ownerOf(withStack(`async Billing.charge (${pathToFileURL(billingFile).href}:20:11)`))).toBe(billing);
  });

  it('prefers the deeper folder when one plugin folder sits inside another', () => {
    const outer = owner('outer');
    const inner = owner('inner');
    claim(path.join(root, 'outer'), outer);
    claim(path.join(root, 'outer/vendor/inner'), inner);
    expect(ownerOf(withStack(`run (${path.join(root, 'outer/vendor/inner/index.ts')}:1:1)`))).toBe(inner);
    expect(ownerOf(withStack(`run (${path.join(root, 'outer/src/plugin.ts')}:1:1)`))).toBe(outer);
  });

  it('does not match a folder that only shares a prefix of the name', () => {
    claim(path.join(root, 'user'), owner('user'));
    expect(ownerOf(withStack(`run (${path.join(root, 'users/src/plugin.ts')}:1:1)`))).toBeUndefined();
  });

  it('a later claim wins (the instance a hot swap brought in); a released folder is nobody\'s', () => {
    const dir = path.join(root, 'hot');
    const frame = `run (${path.join(dir, 'src/plugin.ts')}:1:1)`;
    const old = owner('old');
    claim(dir, old);
    const current = owner('new');
    claim(dir, current);
    expect(ownerOf(withStack(frame))).toBe(current);
    // Releasing for an owner that no longer holds the folder (an app stopping late) changes nothing.
    releaseSourceDir(dir, old);
    expect(ownerOf(withStack(frame))).toBe(current);
    releaseSourceDir(dir, current);
    expect(ownerOf(withStack(frame))).toBeUndefined();
  });

  it('matches frames under the real folder a symbolic link leads to, claim after claim', () => {
    const base = mkdtempSync(path.join(tmpdir(), 'nexus-attribution-'));
    try {
      mkdirSync(path.join(base, 'real'));
      symlinkSync(path.join(base, 'real'), path.join(base, 'linked'));
      const dir = path.join(base, 'linked');
      const frame = `run (${path.join(realpathSync(base), 'real/src/plugin.ts')}:1:1)`;
      claim(dir, owner('first'));
      const swapped = owner('swapped');
      claim(dir, swapped);
      expect(ownerOf(withStack(frame))).toBe(swapped);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('is undefined for errors from host or library code, and for values that are not errors', () => {
    claim(path.join(root, 'users'), owner('users'));
    expect(ownerOf(withStack('Socket.emit (node:events:519:28)', `fail (${path.resolve('/srv/app/node_modules/lib/index.js')}:1:1)`))).toBeUndefined();
    expect(ownerOf('a string rejection')).toBeUndefined();
    expect(ownerOf(undefined)).toBeUndefined();
  });
});
