import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Session } from './api.js';
import { Layout } from './components/Layout.js';
import { startLiveEvents, stopLiveEvents } from './live-events.js';
import { AccountPage } from './pages/AccountPage.js';
import { AgentDetailPage } from './pages/AgentDetailPage.js';
import { AgentKeysPage } from './pages/AgentKeysPage.js';
import { AgentsPage } from './pages/AgentsPage.js';
import { AuditPage } from './pages/AuditPage.js';
import { ConfigurationPage } from './pages/ConfigurationPage.js';
import { ConfigurationsPage } from './pages/ConfigurationsPage.js';
import { ConnectionSettingsPage } from './pages/ConnectionSettingsPage.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { PackagesPage } from './pages/PackagesPage.js';
import { RolloutPage } from './pages/RolloutPage.js';
import { RolloutPoliciesPage } from './pages/RolloutPoliciesPage.js';
import { RolloutsPage } from './pages/RolloutsPage.js';
import { SigningKeysPage } from './pages/SigningKeysPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { UsersPage } from './pages/UsersPage.js';
import { match, navigate, usePath } from './router.js';
import { can, loadSession, logout, onSessionExpired } from './session.js';
import './styles.css';

function Page({ path, session }: { path: string; session: Session }) {
  const user = session.user;
  let params: Record<string, string> | undefined;
  if ((params = match('/agents/:id', path))) {
    return <AgentDetailPage key={params.id} id={params.id} user={user} />;
  }
  if (path === '/' || match('/overview', path)) {
    return <OverviewPage />;
  }
  if (match('/configurations/new', path)) {
    return <ConfigurationPage user={user} />;
  }
  if ((params = match('/configurations/:name', path))) {
    return <ConfigurationPage key={params.name} name={params.name} user={user} />;
  }
  if (match('/configurations', path)) {
    return <ConfigurationsPage user={user} />;
  }
  if (match('/rollout-policies', path)) {
    return <RolloutPoliciesPage user={user} />;
  }
  if ((params = match('/rollouts/:id', path))) {
    return <RolloutPage key={params.id} id={params.id} user={user} />;
  }
  if (match('/rollouts', path)) {
    return <RolloutsPage user={user} />;
  }
  if (match('/connection-settings', path)) {
    return <ConnectionSettingsPage user={user} />;
  }
  if (match('/account', path)) {
    return <AccountPage user={user} />;
  }
  if (match('/packages', path)) {
    return <PackagesPage user={user} />;
  }
  if (match('/users', path) && can(user, 'admin')) {
    return <UsersPage />;
  }
  if (match('/agent-keys', path) && can(user, 'admin')) {
    return <AgentKeysPage />;
  }
  if (match('/signing-keys', path) && can(user, 'admin')) {
    return <SigningKeysPage />;
  }
  if (match('/audit', path) && can(user, 'admin')) {
    return <AuditPage />;
  }
  return <AgentsPage />;
}

function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | undefined>(loadSession);
  useEffect(() => onSessionExpired(() => setSession(undefined)), []);
  useEffect(() => {
    if (!session) {
      return;
    }
    startLiveEvents();
    return stopLiveEvents;
  }, [session]);
  if (!session) {
    return (
      <LoginPage
        onLogin={(s) => {
          setSession(s);
          if (path === '/' || path === '/login') {
            navigate('/agents');
          }
        }}
      />
    );
  }
  return (
    <Layout
      user={session.user}
      path={path}
      onLogout={() => {
        logout();
        setSession(undefined);
      }}
    >
      <Page path={path} session={session} />
    </Layout>
  );
}

render(<App />, document.getElementById('app')!);
