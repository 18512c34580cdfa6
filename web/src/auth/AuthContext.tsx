// Who is signed in. On start the app trades the refresh cookie (if any) for an access token, so
// a reload keeps the session without the token ever touching storage.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { User } from '../api/types';

interface Auth {
  user: User | null;
  /** False until the start-up refresh has been tried. */
  ready: boolean;
  loginWithPassword: (email: string, password: string) => Promise<User>;
  loginWithCode: (email: string, code: string) => Promise<User>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);
  const queryClient = useQueryClient();

  useEffect(() => {
    let live = true;
    const off = api.onSessionEnded(() => {
      setUser(null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'concerts' && q.queryKey[0] !== 'concert' });
    });
    (async () => {
      try {
        if (await api.refresh()) {
          const me = await api.request<User>('/api/auth/me');
          if (live) setUser(me);
        }
      } catch {
        /* not signed in */
      } finally {
        if (live) setReady(true);
      }
    })();
    return () => {
      live = false;
      off();
    };
  }, [queryClient]);

  const afterLogin = useCallback(async () => {
    const me = await api.request<User>('/api/auth/me');
    setUser(me);
    return me;
  }, []);

  const value = useMemo<Auth>(
    () => ({
      user,
      ready,
      loginWithPassword: async (email, password) => {
        await api.login(email, password);
        return afterLogin();
      },
      loginWithCode: async (email, code) => {
        await api.verifyCode(email, code);
        return afterLogin();
      },
      logout: async () => {
        await api.logout();
        setUser(null);
        queryClient.clear();
      },
    }),
    [user, ready, afterLogin, queryClient],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
