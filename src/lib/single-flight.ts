/** Concurrent calls for one name share a single run: the first starts it, the others await it. */
export class SingleFlight {
  private readonly pending = new Map<string, Promise<unknown>>();

  run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const running = this.pending.get(name) as Promise<T> | undefined;
    if (running) return running;
    const promise = work().finally(() => this.pending.delete(name));
    this.pending.set(name, promise);
    return promise;
  }
}
