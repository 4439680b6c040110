import type { Session } from 'electron';

/** The slice of Session the policy sets (tests pass a fake). */
export type PermissionSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>;

/**
 * Flowspect needs no browser permission at all (camera, microphone, notifications, geolocation, USB, HID, serial,
 * clipboard-read, …): every request and every check answers no, for every origin.
 */
export function denyAllPermissions(session: PermissionSession, onDenied: (permission: string) => void = () => {}): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    onDenied(permission);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
