/**
 * What a stream sends, collected, with bounded waits on it: the one piece
 * the SSE, graphql-ws and client-library subscribers of the tests share.
 */
export class Collector<T> {
  readonly values: T[] = [];
  readonly failures: unknown[] = [];
  #done = false;
  #waiters = new Set<() => void>();

  push(value: T): void {
    this.values.push(value);
    this.#notify();
  }

  /** The stream ended, with `failure` if it failed. */
  end(failure?: unknown): void {
    if (failure !== undefined) this.failures.push(failure);
    this.#done = true;
    this.#notify();
  }

  get done(): boolean {
    return this.#done;
  }

  /** The first `count` values, once they are in; rejects with what did arrive after `timeoutMs` or at the end. */
  waitFor(count: number, timeoutMs = 5_000): Promise<T[]> {
    return this.#until(
      () => (this.values.length >= count ? this.values.slice(0, count) : undefined),
      `${count} results`,
      timeoutMs,
    );
  }

  /** The first value that `matches`, once it is in; rejects as `waitFor` does. */
  until(matches: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    return this.#until(() => this.values.find(matches), 'a matching value', timeoutMs);
  }

  #until<R>(found: () => R | undefined, what: string, timeoutMs: number): Promise<R> {
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      const got = () =>
        `${JSON.stringify(this.values)}${this.failures.length ? ` (${this.failures.map(String).join('; ')})` : ''}`;
      const timer = setTimeout(
        () => finish(() => reject(new Error(`waited ${timeoutMs} ms for ${what}, got ${got()}`))),
        timeoutMs,
      );
      const check = () => {
        const value = found();
        if (value !== undefined) finish(() => resolve(value));
        else if (this.#done)
          finish(() => reject(new Error(`the stream ended after ${got()}, before ${what}`)));
      };
      this.#waiters.add(check);
      check();
    });
  }

  #notify(): void {
    for (const check of [...this.#waiters]) check();
  }
}
