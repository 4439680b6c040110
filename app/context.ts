import path from 'node:path';
import { EventBus } from './core/event-bus.js';
import { AppError } from './core/errors.js';
import type { Job, ProjectInfo } from './core/schemas.js';
import { JobRunner } from './jobs/runner.js';
import type { JobKindSpec } from './jobs/kinds.js';
import { createLogger, type Logger } from './core/log.js';
import { getJob, listJobs } from './store/jobs.js';
import { createProject, isProjectDir, openProject, type Project } from './store/project.js';
import { readProjectInfo } from './store/projects.js';
import { describeRecovered } from './store/recover.js';
import { rememberRecent } from './store/recent.js';
import { defaultUserDataDir } from './user-data.js';
import { LiveService } from './watch/live-service.js';

export type TransportKind = 'ipc' | 'http';

/** A project as the workstation holds it: `readonly` when it was opened for viewing only (another process writes it). */
export type OpenProjectInfo = ProjectInfo & { readonly?: boolean };

/**
 * The main process's services, shared by every transport: the open project, the job runner, the event bus and
 * the logger. Handlers receive it; nothing else holds global state.
 */
export class AppContext {
  readonly events = new EventBus();
  readonly log: Logger;
  readonly jobs: JobRunner;
  /** Live inspection (the Live view): one folder watcher on the open project. */
  readonly live: LiveService;
  private current: Project | null = null;

  constructor(
    readonly userDataDir: string = defaultUserDataDir(),
    options: { verbose?: boolean; kinds?: Record<string, JobKindSpec>; logToFile?: boolean; live?: ConstructorParameters<typeof LiveService>[2] } = {},
  ) {
    this.log = createLogger({
      dir: options.logToFile === false ? undefined : path.join(userDataDir, 'logs'),
      level: options.verbose ? 'debug' : 'info',
      stderr: options.verbose,
      bus: this.events,
    });
    this.jobs = new JobRunner({ events: this.events, log: this.log, kinds: options.kinds });
    this.live = new LiveService(this.events, { info: (m) => this.log.info(m), warn: (m) => this.log.warn(m) }, options.live);
  }

  /** The open project; methods that need one answer `no_project` otherwise. */
  project(): Project {
    if (!this.current) throw new AppError('no_project', 'no project is open: create or open one first');
    return this.current;
  }

  currentProject(): Project | null {
    return this.current;
  }

  /** The open project, for a change: a read-only one answers `read_only` before anything is written. */
  writableProject(): Project {
    const project = this.project();
    if (project.readonly) throw new AppError('read_only', `${project.dir} is open read-only: open it for writing to change it`);
    return project;
  }

  /** What the open project holds (and whether it is read-only), or null. */
  currentInfo(): OpenProjectInfo | null {
    return this.current && describeProject(this.current);
  }

  createProject(dir: string, name?: string): ProjectInfo {
    const project = createProject(dir, name);
    return this.adopt(project);
  }

  /**
   * Opens a project for writing: refused with `project_locked` while another process holds it. Jobs and models a
   * dead writer left running were marked interrupted by the open (resumable if their kind is). `readonly` opens it
   * for viewing only: it works while someone else holds the project, and every change answers `read_only`.
   */
  openProject(dir: string, options: { readonly?: boolean } = {}): OpenProjectInfo {
    const project = openProject(dir, options);
    for (const line of describeRecovered(project.recovered)) this.log.warn(`${project.dir}: ${line}`);
    return this.adopt(project);
  }

  /**
   * The demo project lives in the user-data folder. Opening it the first time creates it and starts the
   * `demo.create` job (generate the images, import them, and the pipeline's later steps) with progress events;
   * a demo whose build was interrupted is built again. There is only ever one demo: when the other variant (quick or
   * full) already exists — built, or being built — that one is opened and its running build returned, rather than
   * a second build started.
   */
  openDemo(quick = false, train = true): { project: ProjectInfo; job: Job | null } {
    const folderOf = (q: boolean) => path.join(this.userDataDir, q ? 'demo-quick' : 'demo');
    const variant = [quick, !quick].find((q) => isProjectDir(path.join(folderOf(q), 'project'))) ?? quick;
    const workdir = folderOf(variant);
    const dir = path.join(workdir, 'project');
    // The demo already open (perhaps building): reuse this handle instead of reopening the folder under its job.
    const open = this.current?.dir === path.resolve(dir) && !this.current.readonly;
    const info = open ? describeProject(this.current!) : isProjectDir(dir) ? this.openProject(dir) : this.createProject(dir, 'Flowspect demo');
    const db = this.project().db;
    const last = listJobs(db, { kind: 'demo.create', limit: 1 })[0];
    if (!last && info.counts.images > 0) return { project: info, job: null }; // built by `flowspect demo`
    if (last && (last.status === 'succeeded' || last.status === 'running' || last.status === 'queued')) {
      return { project: info, job: last.status === 'succeeded' ? null : (getJob(db, last.id) ?? null) };
    }
    const job = this.jobs.start(this.project(), 'demo.create', { workdir, quick: variant, ...(train ? {} : { only: ['generate', 'import'] }) });
    return { project: info, job };
  }

  closeProject(): void {
    // The watcher writes into the project: it lets go first (the batch in flight is dropped, judged again later).
    this.live.abandon();
    this.current?.close();
    this.current = null;
  }

  async dispose(): Promise<void> {
    await this.live.stop();
    await this.jobs.shutdown();
    this.closeProject();
  }

  private adopt(project: Project): OpenProjectInfo {
    this.closeProject();
    this.current = project;
    const info = describeProject(project);
    rememberRecent(this.userDataDir, project.dir, info.name);
    this.log.info(`opened project ${project.dir}${project.readonly ? ' read-only' : ''}`);
    return info;
  }
}

function describeProject(project: Project): OpenProjectInfo {
  const info = readProjectInfo(project.db, project.dir);
  return project.readonly ? { ...info, readonly: true } : info;
}

/** What every handler receives: the services and the transport the call came through. */
export interface HandlerContext {
  readonly app: AppContext;
  readonly transport: TransportKind;
}
