// app.js — boot, session, hash router and the shared layout (header, navigation, main).
// Pages live in pages/<name>.js and export render(container, ctx).

import { api, setCsrfToken, onUnauthorized } from './api.js';
import { h, replace } from './dom.js';
import { roleLabel } from './format.js';
import * as loginPage from './pages/login.js';
import * as dashboardPage from './pages/dashboard.js';
import * as usersPage from './pages/users.js';
import * as activityPage from './pages/activity.js';
import * as machinesPage from './pages/machines.js';
import * as helpdeskPage from './pages/helpdesk.js';
import * as kbPage from './pages/kb.js';
import * as softwarePage from './pages/software.js';
import * as trainingPage from './pages/training.js';
import * as recoveryPage from './pages/recovery.js';
import * as upgradeRunsPage from './pages/upgrade-runs.js';
import * as maintenancePage from './pages/maintenance.js';
import * as laterPage from './pages/later.js';
import * as vulnsPage from './pages/vulns.js';
import * as compliancePage from './pages/compliance.js';
import * as missingPage from './pages/missing.js';

/*
 * The navigation, in order. A route with `role` is shown to, and rendered for, that
 * role and the ones above it only (employee < support < admin); `sub` routes also take
 * the addresses below them (#/machines/db01, the rest given to the page as ctx.sub).
 * Capabilities not built yet share pages/later.js with a one-line promise each.
 */
const ROUTES = [
  { path: 'dashboard', label: 'Dashboard', page: dashboardPage },
  { path: 'machines', label: 'Machines', page: machinesPage, role: 'support', sub: true, group: 'ops' },
  { path: 'vulnerabilities', label: 'Vulnerabilities', page: vulnsPage, role: 'support', sub: true, group: 'ops' },
  { path: 'compliance', label: 'Patch compliance', page: compliancePage, role: 'support', group: 'ops' },
  { path: 'upgrade-runs', label: 'Upgrade runs', page: upgradeRunsPage, role: 'support', sub: true, group: 'ops' },
  { path: 'help-desk', label: 'Help desk', page: helpdeskPage, sub: true, group: 'ops' },
  { path: 'software', label: 'Software', page: softwarePage, group: 'ops' },
  { path: 'knowledge-base', label: 'Knowledge base', page: kbPage, sub: true, group: 'ops' },
  { path: 'training', label: 'Training', page: trainingPage, sub: true, group: 'ops' },
  { path: 'security', label: 'Security', page: laterPage, group: 'ops',
    blurb: 'Network scans against a baseline, file integrity, intrusion detection, antivirus and incidents.' },
  { path: 'backups', label: 'Backups', page: recoveryPage, role: 'support', sub: true, group: 'ops' },
  { path: 'monitoring', label: 'Monitoring', page: laterPage, group: 'ops',
    blurb: 'Availability checks of machines and services, with alerts.' },
  { path: 'maintenance', label: 'Maintenance', page: maintenancePage, role: 'support', sub: true, group: 'ops' },
  { path: 'reports', label: 'Reports', page: laterPage, group: 'ops',
    blurb: 'A state-of-the-network report for management, with trends and recommendations.' },
  { path: 'activity', label: 'Activity', page: activityPage, role: 'admin', group: 'admin' },
  { path: 'users', label: 'Users', page: usersPage, role: 'admin', group: 'admin' },
];
const ROLE_RANK = { employee: 0, support: 1, admin: 2 };
const DEFAULT_ROUTE = 'dashboard';

const state = {
  user: null,      // the logged-in user, from /session or /me
  layout: null,    // {main, nav, navToggle, links} while logged in
  cleanup: null,   // what the current page returned from render(), if a function
  rendered: false, // whether a page has been rendered since login (for focus handling)
};

const appRoot = () => document.getElementById('app');
const isAdmin = () => Boolean(state.user && state.user.role === 'admin');
/** Whether the logged-in user may see a route (its `role` or a higher one). */
const mayUse = (route) => !route.role
  || Boolean(state.user && (ROLE_RANK[state.user.role] ?? -1) >= ROLE_RANK[route.role]);

/**
 * "#/activity?action=user.*" -> {path: "activity", sub: [], params: URLSearchParams};
 * "#/machines/db01" -> {path: "machines", sub: ["db01"], ...}. Each segment is decoded
 * on its own, so an encoded "/" stays inside its segment.
 */
function parseHash() {
  const hash = window.location.hash;
  if (!hash.startsWith('#/')) return { path: '', sub: [], params: new URLSearchParams() };
  const rest = hash.slice(2);
  const q = rest.indexOf('?');
  const decode = (seg) => {
    try {
      return decodeURIComponent(seg);
    } catch {
      return seg;
    }
  };
  const segments = (q < 0 ? rest : rest.slice(0, q)).replace(/\/+$/, '').split('/').map(decode);
  return { path: segments[0], sub: segments.slice(1), params: new URLSearchParams(q < 0 ? '' : rest.slice(q + 1)) };
}

/** Go to a route; `params` (object) become the hash's query string. */
export function navigate(path, params) {
  let hash = '#/' + path;
  if (params) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') qs.set(k, v);
    const s = qs.toString();
    if (s) hash += '?' + s;
  }
  if (window.location.hash === hash) renderRoute();
  else window.location.hash = hash;
}

/* ---- session ---- */

function startSession(data, { fromLogin = false } = {}) {
  state.user = data.user;
  setCsrfToken(data.csrf_token);
  buildLayout();
  state.rendered = fromLogin; // after a login, focus goes to the first page's heading
  const { path } = parseHash();
  if (fromLogin && (!path || !findRoute(path) || !mayUse(findRoute(path)))) {
    // After a login, land on the dashboard unless the address names a page this user may see.
    history.replaceState(null, '', '#/' + DEFAULT_ROUTE);
  }
  renderRoute();
}

function endSession(notice) {
  runCleanup();
  state.user = null;
  state.layout = null;
  state.rendered = false;
  setCsrfToken(null);
  showLogin(notice);
}

function showLogin(notice) {
  document.title = 'Log in · Ward';
  const main = h('main', { id: 'main', class: 'login-main', tabindex: '-1' });
  replace(appRoot(), main);
  loginPage.render(main, {
    notice,
    onLogin: (data) => startSession(data, { fromLogin: true }),
  });
}

async function logout() {
  try {
    await api.logout();
  } catch {
    // The session may already be gone; the user is logged out either way.
  }
  history.replaceState(null, '', '#/' + DEFAULT_ROUTE);
  endSession('You have logged out.');
}

/* ---- layout ---- */

function findRoute(path) {
  return ROUTES.find((r) => r.path === path) || null;
}

function buildLayout() {
  const user = state.user;
  const navId = 'site-nav';

  const navToggle = h('button', {
    type: 'button', class: 'nav-toggle', 'aria-expanded': 'false', 'aria-controls': navId,
  }, h('span', { class: 'nav-toggle-icon', 'aria-hidden': 'true' }), h('span', { class: 'nav-toggle-text' }, 'Menu'));

  const links = new Map();
  const list = (routes) => h('ul', { class: 'nav-list' }, routes.map((r) => {
    const a = h('a', { href: '#/' + r.path, class: 'nav-link' }, r.label,
      r.page === laterPage ? h('span', { class: 'nav-soon' }, 'soon') : null);
    links.set(r.path, a);
    return h('li', null, a);
  }));
  const visible = ROUTES.filter(mayUse);
  const adminRoutes = visible.filter((r) => r.group === 'admin');
  const nav = h('nav', { id: navId, class: 'nav', 'aria-label': 'Main' },
    list(visible.filter((r) => !r.group)),
    h('p', { class: 'nav-heading' }, 'Operations'),
    list(visible.filter((r) => r.group === 'ops')),
    adminRoutes.length ? h('p', { class: 'nav-heading' }, 'Administration') : null,
    adminRoutes.length ? list(adminRoutes) : null);

  const header = h('header', { class: 'topbar' },
    navToggle,
    h('a', { class: 'brand', href: '#/' + DEFAULT_ROUTE },
      h('img', { src: '/favicon.svg', alt: '', width: '24', height: '24' }),
      h('span', null, 'Ward')),
    h('div', { class: 'session' },
      h('span', { class: 'session-user' },
        h('span', { class: 'session-name', title: user.name }, user.name),
        h('span', { class: 'role-badge role-' + user.role }, roleLabel(user.role))),
      h('button', { type: 'button', class: 'button button-quiet logout', on: { click: logout } }, 'Log out')));

  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });
  replace(appRoot(), header, h('div', { class: 'shell' }, nav, main));

  const setOpen = (open) => {
    navToggle.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  };
  navToggle.addEventListener('click', () => setOpen(navToggle.getAttribute('aria-expanded') !== 'true'));
  nav.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && nav.classList.contains('open')) {
      setOpen(false);
      navToggle.focus();
    }
  });
  nav.addEventListener('click', (e) => {
    const link = e.target.closest('a');
    if (!link) return;
    setOpen(false);
    // Following the link of the page already shown reloads it (no hashchange fires).
    if (link.getAttribute('href') === window.location.hash) renderRoute();
  });

  state.layout = { main, nav, navToggle, links, setOpen };
}

function runCleanup() {
  if (typeof state.cleanup === 'function') {
    try {
      state.cleanup();
    } catch {
      /* a page's cleanup must not break navigation */
    }
  }
  state.cleanup = null;
}

/* ---- router ---- */

function renderRoute() {
  if (!state.user || !state.layout) return;
  const { path, sub, params } = parseHash();
  if (!path) {
    history.replaceState(null, '', '#/' + DEFAULT_ROUTE);
    return renderRoute();
  }
  let route = findRoute(path);
  if (route && sub.length && !route.sub) route = null; // #/users/x: no such page
  const { main, links } = state.layout;

  for (const [p, a] of links) {
    if (route && p === route.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }

  runCleanup();
  // Each render gets a fresh container: a slow request of a page left behind
  // then writes into a detached node instead of the page now shown.
  const container = h('div', { class: 'page' });
  replace(main, container);

  const forbidden = Boolean(route && !mayUse(route));
  let page = missingPage;
  let title = 'Page not found';
  if (forbidden) {
    title = 'Not allowed';
  } else if (route) {
    page = route.page;
    title = route.label;
  }
  document.title = `${title} · Ward`;
  const ctx = {
    user: state.user,
    isAdmin: isAdmin(),
    route,
    sub,
    params,
    forbidden,
    navigate,
  };
  const result = page.render(container, ctx);
  Promise.resolve(result).then((cleanup) => {
    if (container.isConnected) state.cleanup = cleanup;
  }).catch(() => {});

  // Move focus to the new page's heading on navigation (not on first load), so
  // keyboard and screen-reader users start at the top of what changed.
  if (state.rendered) {
    const heading = container.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: false });
    }
  }
  state.rendered = true;
  window.scrollTo(0, 0);
}

/* ---- boot ---- */

function showBootError(err) {
  document.title = 'Ward';
  const retry = h('button', { type: 'button', class: 'button button-primary', on: { click: () => boot() } }, 'Try again');
  replace(appRoot(), h('main', { id: 'main', class: 'login-main', tabindex: '-1' },
    h('div', { class: 'card login-card' },
      h('h1', null, 'Ward is not answering'),
      h('p', { class: 'message message-error', role: 'alert' }, err.message),
      retry)));
}

async function boot() {
  try {
    const me = await api.me();
    startSession(me);
  } catch (err) {
    if (err.status === 401) showLogin();
    else showBootError(err);
  }
}

onUnauthorized(() => {
  if (state.user) endSession('Your session has ended. Please log in again.');
});

window.addEventListener('hashchange', renderRoute);

// The skip link's "#main" would be read as a route: move focus instead.
document.addEventListener('click', (e) => {
  const link = e.target.closest && e.target.closest('a.skip-link');
  if (!link) return;
  e.preventDefault();
  const main = document.getElementById('main');
  if (main) main.focus();
});

boot();
