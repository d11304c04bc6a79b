import { describe, expect, it } from 'vitest';
import type { PluginManifest } from '../src/manifest/types.ts';
import { dependencyNames, dependentsOf, planDependencies } from '../src/plugins/graph.ts';

function manifests(spec: Record<string, string[] | { version: string; deps?: string[] }>): Map<string, PluginManifest> {
  return new Map(
    Object.entries(spec).map(([name, value]) => {
      const { version, deps } = Array.isArray(value) ? { version: '1.0.0', deps: value } : value;
      return [name, { name, version, dependencies: deps ?? [] } as PluginManifest];
    }),
  );
}

describe('planDependencies', () => {
  it('orders dependencies first, whatever the names', () => {
    const plan = planDependencies(manifests({ a: ['m'], m: ['z'], z: [], b: ['z', 'a'] }));
    expect(plan.blocked.size).toBe(0);
    expect(plan.order).toEqual(['z', 'm', 'a', 'b']);
  });

  it('accepts a satisfied version range, prereleases included', () => {
    const plan = planDependencies(manifests({ app: ['core@^1.2.0'], core: { version: '1.3.0-beta.1' } }));
    expect(plan.order).toEqual(['core', 'app']);
  });

  it('a cycle names its members, blocks them and whoever needs them, and no one else', () => {
    const plan = planDependencies(manifests({ a: ['b'], b: ['c'], c: ['a'], d: ['a'], e: [] }));
    expect(plan.order).toEqual(['e']);
    for (const name of ['a', 'b', 'c']) {
      expect(plan.blocked.get(name)).toBe('dependency cycle: a → b → c → a; remove one of these "dependencies"');
    }
    expect(plan.blocked.get('d')).toBe('needs plugin "a", which cannot start (dependency cycle: a → b → c → a; remove one of these "dependencies")');
  });

  it('a missing dependency blocks only the plugins that need it, naming the manifest to edit', () => {
    const plan = planDependencies(manifests({ shop: ['payments'], blog: [], cart: ['shop'] }));
    expect(plan.order).toEqual(['blog']);
    expect(plan.blocked.get('shop')).toBe(
      'needs plugin "payments", which is not installed or disabled; add it to plugins/ or remove it from "dependencies" in plugins/shop/manifest.json',
    );
    expect(plan.blocked.get('cart')).toMatch(/^needs plugin "shop", which cannot start \(needs plugin "payments"/);
  });

  it('a version mismatch blocks only the plugin that asked for the range', () => {
    const plan = planDependencies(manifests({ shop: ['core@^2.0.0'], blog: ['core@^1.0.0'], core: { version: '1.4.0' } }));
    expect(plan.order).toEqual(['core', 'blog']);
    expect(plan.blocked.get('shop')).toBe('needs "core@^2.0.0" but core is 1.4.0; change the range in "dependencies" of plugins/shop/manifest.json');
  });
});

describe('dependencyNames and dependentsOf', () => {
  it('strips ranges', () => {
    expect(dependencyNames({ name: 'x', version: '1.0.0', dependencies: ['a@^1', 'b'] } as PluginManifest)).toEqual(['a', 'b']);
  });

  it('finds direct and indirect dependents in start order', () => {
    const all = manifests({ z: [], m: ['z'], a: ['m'], other: [] });
    const { order } = planDependencies(all);
    expect(dependentsOf('z', all, order)).toEqual(['m', 'a']);
    expect(dependentsOf('a', all, order)).toEqual([]);
  });
});
