/**
 * Everything the bench must undo (processes, broker namespaces, databases), undone in reverse
 * order on success, failure and Ctrl-C alike: quorum queues and databases left behind burden
 * the shared services for good.
 */
export class Cleanup {
  private readonly tasks: { label: string; run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;

  /** Registers an undo step; the returned function runs it early and forgets it. */
  add(label: string, run: () => Promise<unknown>): () => Promise<void> {
    const task = { label, run };
    this.tasks.push(task);
    return async () => {
      const index = this.tasks.indexOf(task);
      if (index < 0) return;
      this.tasks.splice(index, 1);
      await run();
    };
  }

  /** True once the clean-up started: work still starting must undo itself. */
  get closing(): boolean {
    return this.running !== undefined;
  }

  /** Runs every registered step, newest first; one failing step does not stop the others. */
  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const task of this.tasks.splice(0).reverse()) {
        try {
          await task.run();
        } catch (error) {
          process.stderr.write(`clean-up "${task.label}" failed: ${String(error)}\n`);
        }
      }
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: clean up, then exit 130. */
  onSignals(): void {
    const handler = (signal: NodeJS.Signals): void => {
      process.stderr.write(`\n${signal}: cleaning up…\n`);
      void this.runAll().finally(() => process.exit(130));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  }
}
