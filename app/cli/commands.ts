import { backboneCommand } from './backbone.js';
import { benchCommand } from './bench.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { importCommand } from './import.js';
import { imagesCommand } from './images.js';
import { exportCommand } from './export.js';
import { inferCommand } from './infer.js';
import { projectCommand } from './project.js';
import { reportCommand } from './report.js';
import { scoreCommand } from './score.js';
import { serveCommand } from './serve.js';
import { synthCommand } from './synth.js';
import { trainCommand } from './train.js';
import { watchCommand } from './watch.js';
import type { CliCommand } from './types.js';

/** Every `flowspect` command. Register a command with one line. */
export const commands: readonly CliCommand[] = [serveCommand, projectCommand, benchCommand, backboneCommand, trainCommand, exportCommand, inferCommand, scoreCommand, reportCommand, synthCommand, importCommand, imagesCommand, demoCommand, evalCommand, watchCommand];
