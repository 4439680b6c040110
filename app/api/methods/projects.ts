import { z } from 'zod';
import { defineMethod, Empty } from '../define.js';
import { AbsPath, Job, ProjectInfo, RecentProject } from '../../core/schemas.js';

/** A project as the workstation holds it: `readonly` when it was opened for viewing only. */
const OpenProjectInfo = ProjectInfo.extend({ readonly: z.boolean().optional() });

export const projectMethods = {
  'projects.create': defineMethod({
    summary: 'Create a project folder (SQLite db + blob folders) and open it.',
    request: z.object({ dir: AbsPath, name: z.string().trim().min(1).max(200).optional() }).strict(),
    response: ProjectInfo,
  }),
  'projects.open': defineMethod({
    summary:
      'Open an existing project folder, migrating its schema forward; `project_locked` while another process holds it. ' +
      'readonly: open it for viewing only (works while it is held elsewhere; changes answer `read_only`).',
    request: z.object({ dir: AbsPath, readonly: z.boolean().default(false) }).strict(),
    response: OpenProjectInfo,
  }),
  'projects.current': defineMethod({
    summary: 'The open project, or null.',
    request: Empty,
    response: OpenProjectInfo.nullable(),
  }),
  'projects.close': defineMethod({
    summary: 'Close the open project.',
    request: Empty,
    response: z.object({ ok: z.literal(true) }),
  }),
  'projects.recent': defineMethod({
    summary: 'Recently opened projects, newest first.',
    request: Empty,
    response: z.array(RecentProject),
  }),
  'projects.openDemo': defineMethod({
    summary:
      'Open the demo project (in the user-data folder); when it does not exist yet, create it and start the job that generates and imports its images.',
    request: z
      .object({
        quick: z.boolean().default(false),
        /** false: only generate and import the images (no model is trained, no report written). */
        train: z.boolean().default(true),
      })
      .strict(),
    response: z.object({ project: ProjectInfo, job: Job.nullable() }),
  }),
  'projects.info': defineMethod({
    summary: 'Information about a project folder without opening it in the workstation.',
    request: z.object({ dir: AbsPath }).strict(),
    response: ProjectInfo,
  }),
};
