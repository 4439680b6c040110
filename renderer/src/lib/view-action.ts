/**
 * The views' one way to run an action whose failure the user must see (in the spirit of GitHub Desktop's
 * handleErrorAsync): the error's message goes to the view's error banner instead of an unhandled rejection, and a
 * busy flag, when given, is set for exactly as long as the action runs, whatever the outcome.
 */
import { errorMessage } from './format';

/** Where a view shows an action's failure (`null` clears it). */
export type ShowError = (message: string | null) => void;

export interface ViewActionOptions {
  /** Told true before the action and false after it, however it ends (disables a button, shows a spinner). */
  readonly busy?: (on: boolean) => void;
  /** Leave an earlier message up while this runs: background loads must not hide why an action failed. */
  readonly keepError?: boolean;
}

/**
 * Runs `action`, clearing the view's error first (unless `keepError`) and showing the message of whatever it
 * throws. Resolves to the action's value, or to undefined when it failed; it never rejects.
 */
export async function withError<T>(showError: ShowError, action: () => Promise<T>, options: ViewActionOptions = {}): Promise<T | undefined> {
  if (!options.keepError) showError(null);
  options.busy?.(true);
  try {
    return await action();
  } catch (err) {
    showError(errorMessage(err));
    return undefined;
  } finally {
    options.busy?.(false);
  }
}
