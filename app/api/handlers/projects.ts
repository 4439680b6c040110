import type { HandlerContext } from '../../context.js';
import { openProject } from '../../store/project.js';
import { readProjectInfo } from '../../store/projects.js';
import { readRecent } from '../../store/recent.js';
import type { HandlerGroup } from '../define.js';
import type { projectMethods } from '../methods/projects.js';

export const projectHandlers: HandlerGroup<typeof projectMethods, HandlerContext> = {
  'projects.create': (req, { app }) => app.createProject(req.dir, req.name),
  'projects.open': (req, { app }) => app.openProject(req.dir, { readonly: req.readonly }),
  'projects.current': (_req, { app }) => app.currentInfo(),
  'projects.close': (_req, { app }) => {
    app.closeProject();
    return { ok: true as const };
  },
  'projects.recent': (_req, { app }) => readRecent(app.userDataDir),
  'projects.openDemo': (req, { app }) => app.openDemo(req.quick, req.train),
  'projects.info': (req) => {
    const p = openProject(req.dir, { readonly: true });
    try {
      return readProjectInfo(p.db, p.dir);
    } finally {
      p.close();
    }
  },
};
