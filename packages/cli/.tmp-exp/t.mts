let t = performance.now();
const lap = (l: string) => { const n = performance.now(); console.log(l, (n - t).toFixed(0)); t = n; };
await import('@nexus/core'); lap('core');
const j = await import('json-schema-to-typescript'); lap('jstt import');
await j.compile({ type: 'object', properties: { a: { type: 'string' } } }, 'A', { bannerComment: '', format: false }); lap('first compile no format');
await j.compile({ type: 'object', properties: { a: { type: 'string' } } }, 'A', { bannerComment: '' }); lap('first compile format');
await j.compile({ type: 'object', properties: { a: { type: 'string' } } }, 'A', { bannerComment: '' }); lap('second compile format');
const p = await import('prettier'); lap('prettier import');
await p.format('interface A { a: string }', { parser: 'babel-ts' }); lap('babel-ts first');
