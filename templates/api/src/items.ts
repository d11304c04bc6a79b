// The request schemas of the routes (JSON Schema, checked by `validated()`) and the stored item.

/** An item as stored in the `items` collection. */
export type Item = {
  id?: string;
  title: string;
  done: boolean;
  created_at: string;
  updated_at?: string;
};

const title = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** `:id` in the path. */
export const ItemParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 } },
  required: ['id'],
} as const;

/** Query of GET /items; query values arrive as strings and are converted to these types. */
export const ListQuery = {
  type: 'object',
  properties: {
    done: { type: 'boolean' },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

/** Body of POST /items. */
export const NewItem = {
  type: 'object',
  properties: { title, done: { type: 'boolean', default: false } },
  required: ['title'],
  additionalProperties: false,
} as const;

/** Body of PATCH /items/:id: at least one field. */
export const ItemPatch = {
  type: 'object',
  properties: { title, done: { type: 'boolean' } },
  minProperties: 1,
  additionalProperties: false,
} as const;
