/**
 * A view of a Redis client for code that calls it without handling the
 * promise (the Socket.IO Redis adapter publishes and unsubscribes fire-and-
 * forget): every promise a method returns gets a rejection handler, so a
 * command failing while Redis is unreachable is reported through `onError`
 * instead of surfacing as an unhandled rejection, which would end the process.
 * The promise itself is returned unchanged: a caller that awaits it still sees
 * the failure.
 */
export function withHandledRejections<T extends object>(client: T, onError: (err: unknown) => void): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let wrapper = wrapped.get(property);
      if (wrapper === undefined || (wrapper as { original?: unknown }).original !== value) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper = Object.assign(
          (...args: unknown[]): unknown => {
            const result = method.apply(target, args);
            if (isPromiseLike(result)) result.catch(onError);
            return result;
          },
          { original: value },
        );
        wrapped.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

function isPromiseLike(value: unknown): value is Promise<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function' &&
    typeof (value as { catch?: unknown }).catch === 'function'
  );
}

/**
 * An `onError` that logs at most one line per `intervalMs`, with how many
 * failures it stood for: an outage fails every command, and one line says so.
 */
export function throttledReporter(
  report: (failures: number, err: unknown) => void,
  intervalMs = 10_000,
): (err: unknown) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed++;
      return;
    }
    last = now;
    report(suppressed + 1, err);
    suppressed = 0;
  };
}
