import mittImport from 'mitt';
import type { EventEnvelope, EventTransport } from './types.ts';

// mitt's typings are read as CommonJS under NodeNext (default = module object) while Node loads
// its ESM build (default = the factory): accept both shapes.
type MittFactory = typeof mittImport.default;
const mitt: MittFactory =
  typeof mittImport === 'function' ? (mittImport as MittFactory) : mittImport.default;

/** The in-process transport: every envelope goes to this instance's listeners, synchronously. */
export function createMittTransport(): EventTransport {
  // One channel: routing by type is the bus's job, the transport only moves envelopes.
  const emitter = mitt<{ envelope: EventEnvelope }>();
  return {
    publish(envelope) {
      emitter.emit('envelope', envelope);
    },
    subscribe(listener) {
      emitter.on('envelope', listener);
      return () => emitter.off('envelope', listener);
    },
    close() {
      emitter.all.clear();
    },
  };
}
