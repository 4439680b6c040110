import type { ResponseOf } from '../../../app/api/contract';
import { client } from './client';

export type ProjectInfo = NonNullable<ResponseOf<'projects.current'>>;
export const VIEWS = ['projects', 'dataset', 'curation', 'synthesis', 'training', 'review', 'live', 'reports', 'settings'] as const;
export type ViewName = (typeof VIEWS)[number];

/** Workstation-wide state: the open project and the active view. Views read it; only methods here change it. */
class AppState {
  project = $state<ProjectInfo | null>(null);
  view = $state<ViewName>('projects');
  error = $state<string | null>(null);
  /** A synthesis preset the Synthesis view handed to the Training form ("Train with this preset"). */
  private trainingPreset: string | null = null;

  async refreshProject(): Promise<void> {
    this.project = await client.call('projects.current', {});
  }

  setProject(info: ProjectInfo): void {
    this.project = info;
  }

  /** Opens the Training view with `preset` chosen as its synthetic defects. */
  trainWith(preset: string): void {
    this.trainingPreset = preset;
    this.go('training');
  }

  /** The preset handed over by trainWith, once: the Training form takes it when it opens. */
  takeTrainingPreset(): string | null {
    const name = this.trainingPreset;
    this.trainingPreset = null;
    return name;
  }

  go(view: ViewName): void {
    this.view = view;
    if (typeof location !== 'undefined') location.hash = view;
  }
}

export const app = new AppState();
