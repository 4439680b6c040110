import type { HandlerContext } from '../../context.js';
import { addFalseAlarmsToTraining, clearReview, listReviews, setReview } from '../../store/reviews.js';
import type { HandlerGroup } from '../define.js';
import type { reviewMethods } from '../methods/reviews.js';

export const reviewHandlers: HandlerGroup<typeof reviewMethods, HandlerContext> = {
  'reviews.set': (req, { app }) => setReview(app.project().db, req.resultId, req.decision, req.note),
  'reviews.clear': (req, { app }) => ({ removed: clearReview(app.project().db, req.resultId) }),
  'reviews.list': (req, { app }) => listReviews(app.project().db, req),
  'reviews.addFalseAlarmsToTraining': (req, { app }) => addFalseAlarmsToTraining(app.project().db, req.modelId, { confirmDefects: req.confirmDefects }),
};
