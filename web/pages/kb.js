// pages/kb.js — #/knowledge-base: browse the articles (GET /api/v1/kb/articles) by
// category, paged by keyset ("Load more" sends next_after as after), and search them
// (GET /api/v1/kb/search) with the matches marked. The category and the query live in the
// address (#/knowledge-base?category=Printing, ?q=spooler). #/knowledge-base/new and
// .../<slug>/edit are the editor (kb-edit.js, support), .../<slug> an article (kb-article.js).

import { h, replace, messageArea, field, dataTable, tableRow } from '../dom.js';
import { timeNode, highlight, plural } from '../format.js';
import { hd } from './helpdesk-api.js';
import { isStaff, list, articleHref, flashArea } from './helpdesk-parts.js';
import { render as renderArticle } from './kb-article.js';
import { render as renderEditor } from './kb-edit.js';

const SEARCH_DELAY_MS = 300;
const CATEGORY_SAMPLE = 200; // the category choices come from the first 200 articles

export function render(container, ctx) {
  const [first, second, ...rest] = ctx.sub;
  if (first === 'new' && second === undefined) return renderEditor(container, ctx, null);
  if (first && second === 'edit' && !rest.length) return renderEditor(container, ctx, first);
  if (first && second === undefined) return renderArticle(container, ctx, first);
  if (first !== undefined) {
    container.append(
      h('h1', null, 'Page not found'),
      h('p', { class: 'lead' }, 'There is no page at this address.'),
      h('p', null, h('a', { href: '#/knowledge-base' }, 'Back to the knowledge base')));
    return undefined;
  }
  return renderBrowse(container, ctx);
}

/** "Helped 3 times" for an article. */
export function helpedText(a) {
  return `Helped ${plural(Number(a.helped) || 0, 'time', 'times')}`;
}

export function visibilityBadge(a) {
  return a.visibility === 'support' ? h('span', { class: 'badge badge-internal' }, 'Support only') : null;
}

async function renderBrowse(container, ctx) {
  const staff = isStaff(ctx.user);
  const { params } = ctx;
  const state = { q: params.get('q') || '', category: params.get('category') || '' };
  const limit = params.get('limit') || undefined;
  const flash = flashArea();

  function keepAddress() {
    const qs = new URLSearchParams();
    if (state.q) qs.set('q', state.q);
    if (state.category) qs.set('category', state.category);
    if (limit) qs.set('limit', limit);
    const s = qs.toString();
    history.replaceState(null, '', '#/knowledge-base' + (s ? '?' + s : ''));
  }

  /* ---- search ---- */
  const searchInput = h('input', { type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false', placeholder: 'printer offline' });
  searchInput.value = state.q;
  const searchForm = h('form', { class: 'search-form', role: 'search', 'aria-label': 'Search the knowledge base' },
    field('Search the articles', searchInput, 'Every word must match; end a word with * to match its start'),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Search')));
  const searchError = messageArea('alert');
  const searchStatus = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const searchResults = h('ol', { class: 'search-results', 'aria-label': 'Articles found' });
  const searchCard = h('section', { class: 'card', 'aria-labelledby': 'kb-results', hidden: true },
    h('h2', { id: 'kb-results' }, 'Search results'), searchStatus, searchError.el, searchResults);
  let seq = 0;
  let timer = null;

  async function search() {
    const q = state.q;
    const mine = ++seq;
    searchError.clear();
    browseCard.hidden = Boolean(q);
    searchCard.hidden = !q;
    if (!q) {
      replace(searchResults);
      searchStatus.textContent = '';
      return;
    }
    try {
      const rows = list((await hd.kbSearch(q)).articles);
      if (mine !== seq || !container.isConnected) return;
      searchStatus.textContent = rows.length
        ? `${plural(rows.length, 'article matches', 'articles match')} “${q}”, best first.`
        : `No article matches “${q}”.`;
      replace(searchResults, rows.map((a) => h('li', { class: 'search-result' },
        h('div', { class: 'search-result-head' },
          h('a', { href: articleHref(a), class: 'strong' }, a.title),
          a.category ? h('span', { class: 'muted small' }, ` · ${a.category}`) : null,
          ' ', visibilityBadge(a)),
        a.snippet ? h('p', { class: 'snippet' }, highlight(a.snippet, '«', '»')) : null,
        h('p', { class: 'muted small' }, helpedText(a)))));
    } catch (err) {
      if (mine !== seq || !container.isConnected) return;
      replace(searchResults);
      searchStatus.textContent = '';
      searchError.show(err.message);
    }
  }
  const searchChanged = (now) => {
    state.q = searchInput.value.trim();
    keepAddress();
    clearTimeout(timer);
    if (now) search();
    else timer = setTimeout(search, SEARCH_DELAY_MS);
  };
  searchInput.addEventListener('input', () => searchChanged(false));
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    searchChanged(true);
  });

  /* ---- browse ---- */
  const category = h('select', { name: 'category' }, h('option', { value: '' }, 'All categories'));
  const fillCategories = (names) => {
    const all = [...new Set([...names, state.category].filter(Boolean))].sort((a, b) => a.localeCompare(b));
    replace(category, h('option', { value: '' }, 'All categories'), all.map((c) => h('option', { value: c }, c)));
    category.value = state.category;
  };
  fillCategories([]);
  const browseError = messageArea('alert');
  const holder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const summary = h('p', { class: 'muted small', role: 'status' });
  const moreButton = h('button', { type: 'button', class: 'button' }, 'Load more');
  const more = h('div', { class: 'pager', hidden: true }, moreButton);
  const browseCard = h('section', { class: 'card', 'aria-labelledby': 'kb-browse' },
    h('div', { class: 'card-head' }, h('h2', { id: 'kb-browse' }, 'Browse'), summary),
    h('form', { class: 'form-grid filters filters-narrow', 'aria-label': 'Browse by category', on: { submit: (e) => e.preventDefault() } },
      field('Category', category)),
    browseError.el, holder, more);
  const columns = [
    { label: 'Article', class: 'wrap', cell: (a) => [h('a', { href: articleHref(a), class: 'strong' }, a.title), ' ', visibilityBadge(a)] },
    { label: 'Category', cell: (a) => a.category || '' },
    { label: 'Helped', class: 'num', cell: (a) => String(a.helped ?? 0) },
    { label: 'Updated', class: 'nowrap', cell: (a) => timeNode(a.updated_at) },
  ];
  let tbody = null;
  let next = null;
  let shown = 0;
  let browseSeq = 0;

  function showPage(res, append) {
    const rows = list(res.articles);
    if (!append) {
      tbody = null;
      shown = 0;
    }
    if (!tbody) {
      if (!rows.length) {
        replace(holder, h('p', { class: 'empty' }, state.category ? 'No articles in this category.'
          : staff ? 'No articles yet: write the first one.' : 'No articles yet.'));
      } else {
        const table = dataTable('Articles', columns, rows);
        tbody = table.querySelector('tbody');
        replace(holder, table);
      }
    } else {
      for (const a of rows) tbody.append(tableRow(columns, a));
    }
    shown += rows.length;
    next = res.next_after ?? null;
    more.hidden = next === null;
    summary.textContent = shown ? `${plural(shown, 'article', 'articles')} shown${next !== null ? '; there are more' : ''}.` : '';
  }
  async function browse() {
    const mine = ++browseSeq;
    browseError.clear();
    try {
      const res = await hd.articles({ category: state.category || undefined, limit });
      if (mine !== browseSeq || !container.isConnected) return;
      showPage(res, false);
    } catch (err) {
      if (mine !== browseSeq || !container.isConnected) return;
      replace(holder);
      more.hidden = true;
      browseError.show(err.message);
    }
  }
  moreButton.addEventListener('click', async () => {
    const mine = browseSeq;
    browseError.clear();
    moreButton.disabled = true;
    try {
      const res = await hd.articles({ category: state.category || undefined, after: next, limit });
      if (mine === browseSeq) showPage(res, true);
    } catch (err) {
      browseError.show(err.message);
    } finally {
      moreButton.disabled = false;
    }
  });
  category.addEventListener('change', () => {
    state.category = category.value;
    keepAddress();
    browse();
  });

  container.append(
    h('h1', null, 'Knowledge base'),
    h('p', { class: 'lead' }, 'How problems were solved, written down once so the next person finds the answer.'),
    flash.el,
    staff ? h('div', { class: 'form-actions page-actions' }, h('a', { href: '#/knowledge-base/new', class: 'button button-primary' }, 'New article')) : null,
    h('section', { class: 'card', 'aria-label': 'Search' }, searchForm),
    searchCard,
    browseCard);

  hd.articles({ limit: CATEGORY_SAMPLE }).then((res) => {
    if (container.isConnected) fillCategories(list(res.articles).map((a) => a.category));
  }).catch(() => { /* the filter keeps "All categories" */ });
  await Promise.all([browse(), state.q ? search() : null]);
  browseCard.hidden = Boolean(state.q);
  return () => clearTimeout(timer);
}
