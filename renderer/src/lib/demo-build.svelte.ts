/**
 * The demo project's build (the `demo.create` job, ~10 minutes on first start), wherever it was started — the
 * Projects view, `flowspect serve --demo` — so the shell's banner and the Training and Review views can show it,
 * and reload what it made when it finishes.
 */
import { app } from './app-state.svelte';
import { client } from './client';
import { jobs, type JobView } from './jobs.svelte';

const KIND = 'demo.create';

class DemoBuild {
  /** The build this window knows of (running or just finished), or null. */
  jobId = $state<number | null>(null);
  private finishedListeners = new Set<() => void>();
  private watching = false;

  /** The build's live state, when there is one. */
  get job(): JobView | undefined {
    return this.jobId === null ? undefined : jobs.jobs[this.jobId];
  }

  /** True while the build runs (or waits to). */
  get running(): boolean {
    const j = this.job;
    return !!j && (j.status === 'running' || j.status === 'queued');
  }

  /** Starts listening: a build seen in progress events is picked up, one already running is looked up now. */
  async watch(): Promise<void> {
    if (!this.watching) {
      this.watching = true;
      jobs.onEvent((e) => {
        if (e.event === 'job.progress' && e.payload.kind === KIND && this.jobId !== e.payload.jobId) this.follow(e.payload.jobId);
      });
    }
    await this.lookUp();
  }

  /** Finds a running build in the open project (none open: nothing to find). */
  async lookUp(): Promise<void> {
    if (!app.project) return;
    const [last] = await client.call('jobs.list', { kind: KIND, limit: 1 });
    if (last && (last.status === 'running' || last.status === 'queued')) {
      jobs.adopt(last);
      this.follow(last.id);
    }
  }

  /** Follows a build: when it ends, the project's counts are reloaded and the views told. */
  follow(jobId: number): void {
    if (this.jobId === jobId) return;
    this.jobId = jobId;
    jobs.track(jobId, KIND);
    void jobs.finished(jobId).then(async () => {
      await app.refreshProject().catch(() => undefined);
      for (const l of this.finishedListeners) l();
    });
  }

  /** Called when a build this window follows ends (views reload their models and results). */
  onFinished(listener: () => void): () => void {
    this.finishedListeners.add(listener);
    return () => void this.finishedListeners.delete(listener);
  }
}

export const demoBuild = new DemoBuild();
