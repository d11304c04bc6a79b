/**
 * Full Template: A Nexus plugin using every feature: validated routes, a collection, events, a service, health, metrics, a timer, saved and hot-reloaded state.
 */
import {
  BasePlugin,
  validated,
  type Collection,
  type ComponentHealth,
  type DatabaseSchema,
  type HealthStatus,
  type Router,
  type Stored,
} from '@nexus/core';
import type { FullTemplateTypes } from '../nexus.generated.ts';
import { ListQuery, NewTask, TaskParams, type Activity, type HotState, type Task, type TasksService, type Totals } from './tasks.ts';

/** Thrown when a task cannot be created; the route answers 409 with its message. */
class LimitReached extends Error {}

export default class FullTemplatePlugin extends BasePlugin<FullTemplateTypes, HotState> {
  /** Saved with setData() at shutdown and on `system.maintenance`; read back at initialize(). */
  totals: Totals = { created: 0, completed: 0 };
  /** In memory only; handed to the next instance on hot reload. */
  activity: Activity[] = [];
  sweeps = 0;
  openTasks = 0;
  lastSweep: number | undefined;

  // ── Lifecycle ────────────────────────────────────────────────────────────────────────────

  /** Collections and indexes, created before `initialize()`. */
  override databaseSchema(): DatabaseSchema {
    return { collections: { tasks: { indexes: [{ field: 'status' }, { field: 'created_at' }] } } };
  }

  /** `nexus dev` swapped the plugin: take over the previous instance's in-memory state. */
  override importHotState(state: HotState): void {
    this.activity = state.activity;
    this.sweeps = state.sweeps;
  }

  /** Hand in-memory state (caches, connections) to the next instance when `nexus dev` swaps the plugin. */
  override exportHotState(): HotState {
    return { activity: this.activity, sweeps: this.sweeps };
  }

  override async initialize(): Promise<boolean> {
    this.totals = (await this.getData<Totals>('totals')) ?? this.totals;
    // Everything registered through `this` (subscriptions, services, timers) is released at shutdown.
    this.subscribeToEvent('system.maintenance', () => this.saveState());
    const service: TasksService = { create: (title, priority) => this.createTask(title, priority), openCount: () => this.countOpen() };
    this.registerService('full_template.tasks', service);
    await this.sweep();
    this.setInterval(() => this.sweep(), this.getConfig('sweep_interval_ms'));
    this.note(`started with ${this.openTasks} open task(s)`);
    return true;
  }

  override async shutdown(): Promise<void> {
    await this.saveState();
  }

  // ── HTTP ─────────────────────────────────────────────────────────────────────────────────

  override routes(router: Router): void {
    router.get('/tasks', validated({ query: ListQuery }, async (_ctx, { query }) => {
      const filter = query.status === undefined ? {} : { status: query.status };
      return { tasks: await this.tasks.find(filter, { sort: { field: 'created_at', order: 'desc' }, limit: query.limit }) };
    }));

    router.post('/tasks', validated({ body: NewTask }, async (ctx, { body }) => {
      try {
        const task = await this.createTask(body.title, body.priority);
        ctx.status = 201;
        return task;
      } catch (error) {
        if (!(error instanceof LimitReached)) throw error;
        ctx.status = 409;
        return { error: 'limit_reached', message: error.message };
      }
    }));

    router.post('/tasks/:id/complete', validated({ params: TaskParams }, async (ctx, { params }) => {
      const task = await this.tasks.get(params.id);
      if (!task) {
        ctx.status = 404;
        return { error: 'not_found', message: `No task with id "${params.id}"` };
      }
      if (task.status === 'done') return task;
      const done = (await this.tasks.update(task.id, { status: 'done', completed_at: new Date().toISOString() }))!;
      this.totals.completed += 1;
      this.openTasks = Math.max(0, this.openTasks - 1);
      this.note(`completed "${done.title}"`);
      await this.publishEvent('full_template.task_completed', { id: done.id, title: done.title });
      return done;
    }));

    router.get('/stats', (ctx) => {
      ctx.body = { totals: this.totals, open: this.openTasks, sweeps: this.sweeps, activity: this.activity.slice(-10).reverse() };
    });
  }

  // ── Health and metrics ───────────────────────────────────────────────────────────────────

  /** `GET /plugins/full_template/health`; the base class supplies state, uptime and metrics. */
  override async healthCheck(): Promise<HealthStatus> {
    const health = await super.healthCheck();
    health.components.database = await this.databaseHealth();
    health.components.sweeper = this.sweeperHealth();
    health.healthy &&= Object.values(health.components).every((component) => component.status === 'healthy');
    return health;
  }

  /** Numbers exported at `GET /metrics`, next to the base's uptime. */
  override getMetrics(): Record<string, number> {
    return {
      ...super.getMetrics(),
      tasks_created_total: this.totals.created,
      tasks_completed_total: this.totals.completed,
      tasks_open: this.openTasks,
      sweeps_total: this.sweeps,
    };
  }

  // ── The work ─────────────────────────────────────────────────────────────────────────────

  private async createTask(title: string, priority: Task['priority'] = 'normal'): Promise<Stored<Task>> {
    const limit = this.getConfig('max_open_tasks');
    if ((await this.countOpen()) >= limit) throw new LimitReached(`There are already ${limit} open tasks; complete some first`);
    const task = await this.tasks.insert({ title, priority, status: 'open', created_at: new Date().toISOString() });
    this.totals.created += 1;
    this.openTasks += 1;
    this.note(`created "${title}"`);
    await this.publishEvent('full_template.task_created', { id: task.id, title, priority });
    return task;
  }

  /** Runs on the tracked interval: a throw here marks this plugin failed, never the host. */
  private async sweep(): Promise<void> {
    this.openTasks = await this.countOpen();
    this.sweeps += 1;
    this.lastSweep = Date.now();
    this.logger.debug(`sweep ${this.sweeps}: ${this.openTasks} open task(s)`);
  }

  private async saveState(): Promise<void> {
    await this.setData('totals', this.totals);
  }

  private countOpen(): Promise<number> {
    return this.tasks.count({ status: 'open' });
  }

  private note(text: string): void {
    this.activity.push({ at: new Date().toISOString(), text });
    const size = this.getConfig('activity_size');
    if (this.activity.length > size) this.activity.splice(0, this.activity.length - size);
  }

  private async databaseHealth(): Promise<ComponentHealth> {
    try {
      return { status: 'healthy', tasks: await this.tasks.count() };
    } catch (error) {
      return { status: 'unhealthy', error: (error as Error).message };
    }
  }

  private sweeperHealth(): ComponentHealth {
    const interval = this.getConfig('sweep_interval_ms');
    const age = this.lastSweep === undefined ? undefined : Date.now() - this.lastSweep;
    // Three missed sweeps in a row: the timer is not running.
    const status = age !== undefined && age < 3 * interval ? 'healthy' : 'unhealthy';
    return { status, sweeps: this.sweeps, last_sweep_ms_ago: age ?? null };
  }

  private get tasks(): Collection<Task> {
    return this.db.collection<Task>('tasks');
  }
}
