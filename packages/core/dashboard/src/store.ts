import { BASE, get, type AppInfo, type Catalog, type HeapSample, type LogEntry, type StreamEvents, type SwapEntry, type Trace } from './api.ts';

export type Topic = 'app' | 'catalog' | 'traces' | 'swaps' | 'logs' | 'connection';

const MAX_LOGS = 1000;
const MAX_TRACES = 200;

/** Everything the page knows, kept current by the server's event stream. */
export const store = {
  app: undefined as AppInfo | undefined,
  catalog: undefined as Catalog | undefined,
  /** Newest first. */
  traces: [] as Trace[],
  swaps: [] as SwapEntry[],
  heap: [] as HeapSample[],
  logs: [] as LogEntry[],
  connected: false,
};

const listeners = new Map<Topic, Set<(detail?: unknown) => void>>();

/** Call `listener` whenever `topic` changes; returns the unsubscribe function. */
export function on(topic: Topic, listener: (detail?: unknown) => void): () => void {
  let set = listeners.get(topic);
  if (!set) listeners.set(topic, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

function emit(topic: Topic, detail?: unknown): void {
  for (const listener of listeners.get(topic) ?? []) listener(detail);
}

let catalogLoading: Promise<void> | undefined;
let catalogAgain = false;

/** Fetch the catalog again (coalesced: at most one request in flight, one queued). */
export function refreshCatalog(): Promise<void> {
  if (catalogLoading) {
    catalogAgain = true;
    return catalogLoading;
  }
  catalogLoading = get('/catalog')
    .then((catalog) => {
      store.catalog = catalog;
      emit('catalog');
    })
    .catch(() => undefined)
    .finally(() => {
      catalogLoading = undefined;
      if (catalogAgain) {
        catalogAgain = false;
        void refreshCatalog();
      }
    });
  return catalogLoading;
}

/** A full trace by id (the stream sends whole traces; the list has summaries). */
export function traceById(id: string): Trace | undefined {
  return store.traces.find((t) => t.id === id);
}

function upsertTrace(trace: Trace): void {
  const index = store.traces.findIndex((t) => t.id === trace.id);
  if (index >= 0) store.traces[index] = trace;
  else {
    store.traces.unshift(trace);
    if (store.traces.length > MAX_TRACES) store.traces.pop();
  }
  emit('traces', trace);
}

/** Load everything once, then follow the server's event stream. */
export async function start(): Promise<void> {
  const [app, traces, swaps, logs] = await Promise.all([
    get('/app'),
    get('/traces'),
    get('/swaps'),
    get('/logs'),
  ]);
  store.app = app;
  store.traces = traces.traces;
  store.swaps = swaps.swaps;
  store.heap = swaps.heap;
  store.logs = logs.logs;
  emit('app');
  emit('traces');
  emit('swaps');
  emit('logs');
  await refreshCatalog();
  connect();
}

function connect(): void {
  const source = new EventSource(`${BASE}/stream`);
  source.addEventListener('open', () => {
    store.connected = true;
    emit('connection');
    void refreshCatalog();
  });
  source.addEventListener('error', () => {
    store.connected = false;
    emit('connection');
  });
  listen(source, 'catalog', () => void refreshCatalog());
  listen(source, 'trace', upsertTrace);
  listen(source, 'swap', (swap) => {
    store.swaps.push(swap);
    emit('swaps');
  });
  listen(source, 'heap', (sample) => {
    store.heap.push(sample);
    emit('swaps');
  });
  listen(source, 'log', (entry) => {
    store.logs.push(entry);
    if (store.logs.length > MAX_LOGS) store.logs.shift();
    emit('logs', entry);
  });
}

/** Call `handler` with the data of each `type` event of the stream. */
function listen<T extends keyof StreamEvents>(source: EventSource, type: T, handler: (data: StreamEvents[T]) => void): void {
  source.addEventListener(type, (event) => handler(JSON.parse((event as MessageEvent<string>).data) as StreamEvents[T]));
}
