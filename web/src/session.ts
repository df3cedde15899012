import { api, handleUnauthorized, setToken, type Role, type Session, type User } from './api.js';
import { roleAtLeast } from './roles.js';

const STORAGE_KEY = 'opamp-console-session';

/** The logged-in user, kept in sessionStorage so a reload stays signed in until the token expires. */
export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) {
    return undefined;
  }
  const session = JSON.parse(raw) as Session;
  if (Date.parse(session.expires_at) <= Date.now()) {
    sessionStorage.removeItem(STORAGE_KEY);
    return undefined;
  }
  setToken(session.token);
  return session;
}

export async function login(username: string, password: string): Promise<Session> {
  const session = await api.login(username, password);
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  setToken(session.token);
  return session;
}

export function logout(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  setToken(undefined);
}

export function onSessionExpired(callback: () => void): void {
  handleUnauthorized(() => {
    logout();
    callback();
  });
}

/** Whether the user may see write controls that need `role`; the API enforces roles regardless. */
export function can(user: User | undefined, role: Role): boolean {
  return user !== undefined && roleAtLeast(user.role, role);
}
