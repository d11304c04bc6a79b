// The stored task, the request schemas of the routes, and the service offered to other plugins.
import type { Stored } from '@nexus/core';

/** A task as stored in the `tasks` collection. */
export type Task = {
  id?: string;
  title: string;
  priority: 'low' | 'normal' | 'high';
  status: 'open' | 'done';
  created_at: string;
  completed_at?: string;
};

/** Counters saved with setData(), so they survive restarts. */
export interface Totals {
  created: number;
  completed: number;
}

/** One line of the in-memory activity log (handed to the next instance on hot reload). */
export interface Activity {
  at: string;
  text: string;
}

/** What one instance hands the next when `nexus dev` swaps the plugin. */
export interface HotState {
  activity: Activity[];
  sweeps: number;
}

/**
 * The `full_template.tasks` service. Another plugin lists "full_template" in its manifest's
 * `dependencies`, then calls `this.getService<TasksService>('full_template.tasks')`.
 */
export interface TasksService {
  create(title: string, priority?: Task['priority']): Promise<Stored<Task>>;
  openCount(): Promise<number>;
}

/** Query of GET /tasks. */
export const ListQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['open', 'done'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
  additionalProperties: false,
} as const;

/** Body of POST /tasks. */
export const NewTask = {
  type: 'object',
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    priority: { type: 'string', enum: ['low', 'normal', 'high'], default: 'normal' },
  },
  required: ['title'],
  additionalProperties: false,
} as const;

/** `:id` in the path. */
export const TaskParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 } },
  required: ['id'],
} as const;
