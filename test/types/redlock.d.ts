/**
 * The part of redlock 4.2 (a devDependency without type declarations) the
 * library tests use.
 */
declare module 'redlock' {
  interface Lock {
    unlock(): Promise<void>;
    extend(ttl: number): Promise<Lock>;
  }
  interface Options {
    driftFactor?: number;
    retryCount?: number;
    retryDelay?: number;
    retryJitter?: number;
  }
  class Redlock {
    constructor(clients: unknown[], options?: Options);
    lock(resource: string | string[], ttl: number): Promise<Lock>;
  }
  export = Redlock;
}
