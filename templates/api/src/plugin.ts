/**
 * API Template: A Nexus plugin serving a JSON API over a database collection, with validated requests.
 */
import { BasePlugin, validated, type Collection, type DatabaseSchema, type Router } from '@nexus/core';
import type { ApiTemplateTypes } from '../nexus.generated.ts';
import { ItemParams, ItemPatch, ListQuery, NewItem, type Item } from './items.ts';

export default class ApiTemplatePlugin extends BasePlugin<ApiTemplateTypes> {
  /** Collections and indexes, created before `initialize()` (needs the database.* permissions). */
  override databaseSchema(): DatabaseSchema {
    return { collections: { items: { indexes: [{ field: 'created_at' }, { field: 'done' }] } } };
  }

  /** Mounted at /plugins/api_template; a request that does not match its schemas gets 400 with every problem. */
  override routes(router: Router): void {
    router.get('/items', validated({ query: ListQuery }, async (_ctx, { query }) => {
      const filter = query.done === undefined ? {} : { done: query.done };
      const limit = query.limit ?? this.getConfig('page_size');
      const [items, total] = await Promise.all([
        this.items.find(filter, { sort: { field: 'created_at' }, limit, offset: query.offset }),
        this.items.count(filter),
      ]);
      return { items, total, limit, offset: query.offset };
    }));

    router.post('/items', validated({ body: NewItem }, async (ctx, { body }) => {
      const item = await this.items.insert({ title: body.title, done: body.done, created_at: new Date().toISOString() });
      ctx.status = 201;
      return item;
    }));

    router.get('/items/:id', validated({ params: ItemParams }, async (ctx, { params }) => {
      return (await this.items.get(params.id)) ?? notFound(ctx, params.id);
    }));

    router.patch('/items/:id', validated({ params: ItemParams, body: ItemPatch }, async (ctx, { params, body }) => {
      const item = await this.items.update(params.id, { ...body, updated_at: new Date().toISOString() });
      return item ?? notFound(ctx, params.id);
    }));

    router.delete('/items/:id', validated({ params: ItemParams }, async (ctx, { params }) => {
      if (!(await this.items.delete(params.id))) return notFound(ctx, params.id);
      ctx.status = 204;
      return undefined;
    }));
  }

  private get items(): Collection<Item> {
    return this.db.collection<Item>('items');
  }
}

function notFound(ctx: { status: number }, id: string): { error: string; message: string } {
  ctx.status = 404;
  return { error: 'not_found', message: `No item with id "${id}"` };
}
