let t = performance.now();
const lap = (l: string) => { const n = performance.now(); console.log(l, (n - t).toFixed(0)); t = n; };
const [s, ts, es] = await Promise.all([import('prettier/standalone'), import('prettier/plugins/typescript'), import('prettier/plugins/estree')]); lap('standalone imports');
await s.format('interface A { a: string }', { parser: 'typescript', plugins: [ts, es] as any }); lap('first format');
for (let i=0;i<100;i++) await s.format('export interface A { /** x */ a: string; b?: {c: number}[] }', { parser: 'typescript', plugins: [ts, es] as any }); lap('100 format');
const p = await import('prettier'); lap('full prettier import');
await p.format('interface A { a: string }', { parser: 'typescript' }); lap('full first format');
