import { it } from 'vitest';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { inject } from '../src/_inject.ts';
it('koa', async () => {
  const app = new Koa();
  app.use(async (ctx, next) => { console.log('mw1'); await next(); console.log('mw1 after'); });
  app.use(bodyParser({ enableTypes: ['json'] }));
  app.use((ctx) => { console.log('handler', (ctx.request as any).body); ctx.body = { ok: 1 }; });
  const res = await Promise.race([inject(app.callback(), { method: 'POST', url: '/', body: { a: 1 } }), new Promise((r) => setTimeout(() => r('timeout'), 2000))]);
  console.log(res);
});
