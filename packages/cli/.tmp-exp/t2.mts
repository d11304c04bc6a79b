let t = performance.now();
const lap = (l: string) => { const n = performance.now(); console.log(l, (n - t).toFixed(0)); t = n; };
const p = await import('prettier'); lap('prettier import');
await p.format('interface A { a: string }', { parser: 'babel-ts' }); lap('babel-ts first');
await p.format('interface A { a: string }', { parser: 'typescript' }); lap('typescript first');
for (let i=0;i<100;i++) await p.format('export interface A { /** x */ a: string; b?: {c: number}[] }', { parser: 'babel-ts' }); lap('babel-ts 100');
for (let i=0;i<100;i++) await p.format('export interface A { /** x */ a: string; b?: {c: number}[] }', { parser: 'typescript' }); lap('typescript 100');
