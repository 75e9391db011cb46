import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2 as Algorithm;

/** argon2id with a configured cost. Hashing runs on libuv's thread pool, never on the event loop. */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: { memoryKib: number; timeCost: number }) {}

  hash(password: string): Promise<string> {
    return hash(password, {
      algorithm: ARGON2ID,
      memoryCost: this.cost.memoryKib,
      timeCost: this.cost.timeCost,
      parallelism: 1,
    });
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Spends the time a real verification takes, so an unknown account answers as slowly as a known one. */
  async verifyNothing(password: string): Promise<void> {
    this.dummy ??= this.hash('dummy password for timing equality');
    await this.verify(await this.dummy, password);
  }
}
