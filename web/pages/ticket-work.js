// pages/ticket-work.js — the ticket page's forms for support staff and admins
// (pages/ticket.js): assign (the staff picker, GET /api/v1/staff), status, priority as
// impact and urgency, escalate and de-escalate with a required note, category and tags
// (all PATCH /api/v1/tickets/{n}); resolve with a resolution and an optional cited
// article picked from a knowledge-base search; turn the resolution into an article
// (POST .../article); and the reply box, public or internal, with canned responses.

import { h, replace, messageArea, field } from '../dom.js';
import { priorityLabel, highlight, plural } from '../format.js';
import { hd } from './helpdesk-api.js';
import { list, articleHref, textArea, radioGroup } from './helpdesk-parts.js';

const LEVELS = [[1, 'High'], [2, 'Medium'], [3, 'Low']];
const KB_DELAY_MS = 300;
const splitTags = (text) => [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];

/* Titles and slugs of articles met on this page, so a cited id can be shown by name. */
const knownArticles = new Map();
const remember = (a) => {
  if (a && a.id !== undefined) knownArticles.set(String(a.id), { id: a.id, slug: a.slug, title: a.title });
};

/**
 * An article a ticket names (`article`: the resolution cites it; `deflected_by`: the
 * requester closed it because of it) as {id, slug, title}, asking the server for the
 * title once per page; null when there is none, or the reader may not see it.
 */
export async function namedArticle(id) {
  if (id === null || id === undefined) return null;
  const known = knownArticles.get(String(id));
  if (known && known.title) return known;
  try {
    const a = (await hd.article(id)).article;
    remember(a);
    return knownArticles.get(String(id));
  } catch {
    return null;
  }
}

/** Run one change: clear the messages, disable the button, PATCH, refresh the page. */
async function act(page, button, error, notice, changes, done) {
  error.clear();
  notice.clear();
  button.disabled = true;
  try {
    await hd.updateTicket(page.ticket.number, changes);
    await page.refresh();
    notice.show(done);
    return true;
  } catch (err) {
    error.show(err.message);
    return false;
  } finally {
    button.disabled = false;
  }
}

/* ---- "Work on it": assign, status, priority, escalation, details ---- */

export function workSection(page) {
  const me = page.ctx.user.name;
  const error = messageArea('alert');
  const notice = messageArea('status');
  let staffNames = [];

  // Assign
  const assignee = h('select', { name: 'assignee' });
  const assign = h('button', { type: 'submit', class: 'button' }, 'Assign');
  const assignMe = h('button', { type: 'button', class: 'button' }, 'Assign to me');
  const assignForm = h('form', { class: 'work-part', 'aria-label': 'Assign' },
    field('Assigned to', assignee),
    h('div', { class: 'form-actions' }, assign, assignMe));
  const fillAssignee = (t) => {
    const names = [...new Set([...staffNames, me, t.assignee].filter(Boolean))].sort();
    replace(assignee, h('option', { value: '' }, 'Nobody'), names.map((n) => h('option', { value: n }, n === me ? `${n} (me)` : n)));
    assignee.value = t.assignee || '';
  };
  assignForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const to = assignee.value;
    if (to === (page.ticket.assignee || '')) {
      notice.show('Nothing changed.');
      return;
    }
    act(page, assign, error, notice, { assignee: to || null }, to ? `Assigned to ${to}.` : 'Unassigned.');
  });
  assignMe.addEventListener('click', () => act(page, assignMe, error, notice, { assignee: me }, 'Assigned to you.'));

  // Status
  const status = h('select', { name: 'status' });
  const setStatus = h('button', { type: 'submit', class: 'button' }, 'Set the status');
  const statusForm = h('form', { class: 'work-part', 'aria-label': 'Status' },
    field('Status', status, 'To resolve, use Resolve below'),
    h('div', { class: 'form-actions' }, setStatus));
  const fillStatus = (t) => {
    const options = [['open', 'Open'], ['pending', 'Pending (waiting on the requester)'], ['closed', 'Closed']];
    if (!options.some(([v]) => v === t.status)) options.unshift([t.status, t.status === 'new' ? 'New' : 'Resolved']);
    replace(status, options.map(([v, l]) => h('option', { value: v }, l)));
    status.value = t.status;
  };
  statusForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (status.value === page.ticket.status) {
      notice.show('Nothing changed.');
      return;
    }
    act(page, setStatus, error, notice, { status: status.value }, `Status set to ${status.value}.`);
  });

  // Priority
  const impact = h('select', { name: 'impact' }, LEVELS.map(([v, l]) => h('option', { value: String(v) }, l)));
  const urgency = h('select', { name: 'urgency' }, LEVELS.map(([v, l]) => h('option', { value: String(v) }, l)));
  const priorityHint = h('p', { class: 'muted small', 'aria-live': 'polite' });
  const savePriority = h('button', { type: 'submit', class: 'button' }, 'Save the priority');
  const priorityForm = h('form', { class: 'work-part', 'aria-label': 'Priority' },
    h('div', { class: 'form-pair' }, field('Impact', impact), field('Urgency', urgency)),
    priorityHint,
    h('div', { class: 'form-actions' }, savePriority));
  const showPriority = () => {
    priorityHint.textContent = `Priority: ${priorityLabel(Number(impact.value) + Number(urgency.value) - 1)}`;
  };
  impact.addEventListener('change', showPriority);
  urgency.addEventListener('change', showPriority);
  priorityForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const changes = {};
    if (Number(impact.value) !== page.ticket.impact) changes.impact = Number(impact.value);
    if (Number(urgency.value) !== page.ticket.urgency) changes.urgency = Number(urgency.value);
    if (!Object.keys(changes).length) {
      notice.show('Nothing changed.');
      return;
    }
    act(page, savePriority, error, notice, changes, 'Priority saved.');
  });

  // Escalation
  const escHeading = h('h3', { id: 'ticket-escalation' }, 'Escalation');
  const note = textArea('Why (required: goes into the timeline as an internal note)', { name: 'escalation-note', rows: '3' });
  const escalate = h('button', { type: 'submit', class: 'button' }, 'Escalate to tier 2');
  const escForm = h('form', { class: 'work-part work-wide', 'aria-labelledby': 'ticket-escalation' },
    escHeading, note.el, h('div', { class: 'form-actions' }, escalate));
  escForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const why = note.input.value.trim();
    if (!why) {
      error.show('Say why in the note: it is required.');
      note.input.focus();
      return;
    }
    const to = page.ticket.tier === 2 ? 1 : 2;
    if (await act(page, escalate, error, notice, { tier: to, note: why }, to === 2 ? 'Escalated to tier 2.' : 'Handed back to tier 1.')) {
      note.input.value = '';
    }
  });

  // Details: category and tags
  const category = h('input', { name: 'category', type: 'text', autocomplete: 'off', maxlength: '64' });
  const tags = h('input', { name: 'tags', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const saveDetails = h('button', { type: 'submit', class: 'button' }, 'Save the details');
  const detailsForm = h('form', { class: 'work-part', 'aria-label': 'Category and tags' },
    h('div', { class: 'form-pair' }, field('Category', category), field('Tags', tags, 'Separated by commas')),
    h('div', { class: 'form-actions' }, saveDetails));
  detailsForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = page.ticket;
    const changes = {};
    if (category.value.trim() !== (t.category || '')) changes.category = category.value.trim();
    const want = splitTags(tags.value);
    const have = list(t.tags);
    const added = want.filter((x) => !have.includes(x));
    const removed = have.filter((x) => !want.includes(x));
    if (added.length) changes.add_tags = added;
    if (removed.length) changes.remove_tags = removed;
    if (!Object.keys(changes).length) {
      notice.show('Nothing changed.');
      return;
    }
    act(page, saveDetails, error, notice, changes, 'Details saved.');
  });

  const closedNote = h('p', { class: 'muted', hidden: true }, 'This ticket is closed: nothing more can change.');
  const forms = h('div', { class: 'work-grid' }, assignForm, statusForm, priorityForm, detailsForm, escForm);
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-work' },
    h('h2', { id: 'ticket-work' }, 'Work on it'), forms, closedNote, error.el, notice.el);

  hd.staff().then((res) => {
    staffNames = list(res.staff).map((s) => s.name);
    if (page.ticket) fillAssignee(page.ticket);
  }).catch(() => { /* the picker offers Nobody, me and the current assignee */ });

  return {
    el,
    update(t) {
      const closed = t.status === 'closed';
      forms.hidden = closed;
      closedNote.hidden = !closed;
      fillAssignee(t);
      fillStatus(t);
      impact.value = String(t.impact);
      urgency.value = String(t.urgency);
      showPriority();
      category.value = t.category || '';
      tags.value = list(t.tags).join(', ');
      escHeading.textContent = t.tier === 2 ? 'De-escalate' : 'Escalate';
      escalate.textContent = t.tier === 2 ? 'Hand back to tier 1' : 'Escalate to tier 2';
    },
  };
}

/* ---- a knowledge-base article picker (search, then pick one) ---- */

function articlePicker(label) {
  const input = h('input', { type: 'search', name: 'article-q', autocomplete: 'off', spellcheck: 'false', placeholder: 'printer offline' });
  const status = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const results = h('ul', { class: 'picker-results', 'aria-label': 'Articles found' });
  const chosenText = h('span');
  const unpick = h('button', { type: 'button', class: 'button button-small' }, 'Do not cite it');
  const chosen = h('p', { class: 'picked', hidden: true }, chosenText, ' ', unpick);
  let picked = null;
  let seq = 0;
  let timer = null;

  function pick(a) {
    picked = a;
    remember(a);
    replace(chosenText, 'Citing ', h('a', { href: articleHref(a) }, a.title), '.');
    chosen.hidden = !a;
    replace(results);
    status.textContent = `“${a.title}” will be cited.`;
    unpick.focus();
  }
  unpick.addEventListener('click', () => {
    picked = null;
    chosen.hidden = true;
    status.textContent = 'No article will be cited.';
    input.focus();
  });

  async function search() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      replace(results);
      status.textContent = '';
      return;
    }
    try {
      const rows = list((await hd.kbSearch(q.slice(0, 256), 8)).articles);
      if (mine !== seq) return;
      status.textContent = rows.length ? `${plural(rows.length, 'article', 'articles')} found.` : 'No article matches.';
      replace(results, rows.map((a) => h('li', { class: 'picker-result' },
        h('div', null, h('span', { class: 'strong' }, a.title), a.category ? h('span', { class: 'muted small' }, ` · ${a.category}`) : null,
          a.snippet ? h('p', { class: 'snippet small' }, highlight(a.snippet, '«', '»')) : null),
        h('button', { type: 'button', class: 'button button-small', 'aria-label': `Cite “${a.title}”`, on: { click: () => pick(a) } }, 'Cite'))));
    } catch (err) {
      if (mine === seq) status.textContent = err.message;
    }
  }
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, KB_DELAY_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { // searching, not submitting the resolution
      e.preventDefault();
      clearTimeout(timer);
      search();
    }
  });
  return {
    el: h('div', { class: 'picker' }, field(label, input, 'Search the knowledge base, then pick the article'), status, results, chosen),
    value: () => picked,
    reset() {
      picked = null;
      chosen.hidden = true;
      input.value = '';
      replace(results);
      status.textContent = '';
    },
    stop: () => clearTimeout(timer),
  };
}

/* ---- resolve ---- */

export function resolveSection(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const resolution = textArea('Resolution', { name: 'resolution', rows: '4' }, 'What fixed it, in words the requester understands');
  const picker = articlePicker('Cite an article (optional)');
  page.onCleanup(picker.stop);
  const resolve = h('button', { type: 'submit', class: 'button button-primary' }, 'Resolve the ticket');
  const form = h('form', { class: 'form-stack', 'aria-label': 'Resolve' },
    resolution.el, picker.el, h('div', { class: 'form-actions' }, resolve));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = resolution.input.value.trim();
    if (!text) {
      error.show('Write the resolution first.');
      resolution.input.focus();
      return;
    }
    const changes = { status: 'resolved', resolution: text };
    const article = picker.value();
    if (article) changes.article = article.id;
    if (await act(page, resolve, error, notice, changes, 'Resolved.')) {
      resolution.input.value = '';
      picker.reset();
      page.notice(`Resolved #${page.ticket.number}${article ? `, citing “${article.title}”` : ''}.`);
    }
  });
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-resolve' },
    h('h2', { id: 'ticket-resolve' }, 'Resolve'), form, error.el, notice.el);
  return {
    el,
    update(t) {
      el.hidden = t.status === 'resolved' || t.status === 'closed';
    },
  };
}

/* ---- turn the resolution into an article ---- */

/**
 * POST /tickets/{n}/article: a new article whose body is the resolution; the server
 * also records that the resolution cites it (so it has "helped" once).
 */
export function articleFromResolution(page) {
  const error = messageArea('alert');
  const notice = h('div', { class: 'message message-ok', role: 'status', hidden: true });
  const toggle = h('button', { type: 'button', class: 'button', 'aria-expanded': 'false', 'aria-controls': 'ticket-to-article' },
    'Turn the resolution into an article');
  const title = h('input', { name: 'article-title', type: 'text', autocomplete: 'off', maxlength: '200' });
  const category = h('input', { name: 'article-category', type: 'text', autocomplete: 'off', maxlength: '64', placeholder: 'resolutions' });
  const visibility = h('select', { name: 'article-visibility' },
    h('option', { value: 'employees' }, 'Everyone'), h('option', { value: 'support' }, 'Support staff only'));
  const create = h('button', { type: 'submit', class: 'button button-primary' }, 'Create the article');
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const form = h('form', { id: 'ticket-to-article', class: 'form-grid to-article', 'aria-label': 'New article from the resolution', hidden: true },
    field('Title', title), field('Category', category, 'Empty: resolutions'), field('Visible to', visibility),
    h('p', { class: 'form-wide muted small' }, 'The article\'s text is the resolution; edit it in the knowledge base afterwards. The resolution then cites it.'),
    h('div', { class: 'form-actions' }, create, cancel));

  const setOpen = (open) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      const t = page.ticket;
      title.value = t.title || '';
      category.value = t.category || '';
      error.clear();
      title.focus();
    }
  };
  toggle.addEventListener('click', () => {
    notice.hidden = true;
    setOpen(form.hidden);
  });
  cancel.addEventListener('click', () => {
    setOpen(false);
    toggle.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    const t = page.ticket;
    const fields = { visibility: visibility.value };
    if (title.value.trim()) fields.title = title.value.trim();
    if (category.value.trim()) fields.category = category.value.trim();
    create.disabled = true;
    let article;
    try {
      article = (await hd.ticketToArticle(t.number, fields)).article;
    } catch (err) {
      error.show(err.message);
      create.disabled = false;
      return;
    }
    try {
      article = (await hd.article(article.id)).article; // the answer has only the id
    } catch {
      article = { id: article.id, title: fields.title || t.title };
    }
    remember(article);
    create.disabled = false;
    setOpen(false);
    try {
      await page.refresh();
    } catch (err) {
      error.show(err.message);
    }
    replace(notice, 'Created the article ', h('a', { href: articleHref(article) }, article.title), '; the resolution cites it.');
    notice.hidden = false;
    toggle.focus();
  });
  return {
    el: h('div', { class: 'to-article-wrap' }, h('div', { class: 'form-actions' }, toggle), form, error.el, notice),
    update(t) {
      toggle.disabled = !t.resolution;
    },
  };
}

/* ---- the reply box: public reply or internal note, with canned responses ---- */

export function replyForm(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const kind = radioGroup('Kind', 'reply-kind', [['reply', 'Reply to the requester'], ['note', 'Internal note (staff only)']], 'reply');
  const text = textArea('Message', { name: 'reply', rows: '5' });
  const canned = h('select', { name: 'canned' }, h('option', { value: '' }, 'Loading…'));
  const insert = h('button', { type: 'button', class: 'button' }, 'Insert');
  const cannedRow = h('div', { class: 'canned-row' }, field('Canned response', canned), h('div', { class: 'form-actions' }, insert));
  const send = h('button', { type: 'submit', class: 'button button-primary' }, 'Send the reply');
  const form = h('form', { class: 'form-stack reply-form', 'aria-label': 'Reply or internal note' },
    kind.el, cannedRow, text.el, h('div', { class: 'form-actions' }, send));
  let responses = [];

  const syncKind = () => {
    const internal = kind.value() === 'note';
    send.textContent = internal ? 'Add the internal note' : 'Send the reply';
    text.input.classList.toggle('note-input', internal);
  };
  kind.inputs.forEach((i) => i.addEventListener('change', syncKind));

  hd.canned().then((res) => {
    responses = list(res.canned);
    replace(canned, h('option', { value: '' }, responses.length ? 'Choose one…' : 'None yet'),
      responses.map((c) => h('option', { value: String(c.id) }, c.title)));
    insert.disabled = !responses.length;
  }).catch((err) => {
    replace(canned, h('option', { value: '' }, 'Not available'));
    insert.disabled = true;
    canned.title = err.message;
  });

  insert.addEventListener('click', () => {
    const c = responses.find((x) => String(x.id) === canned.value);
    if (!c) {
      canned.focus();
      return;
    }
    // At the cursor, or in place of the selection.
    const ta = text.input;
    const start = ta.selectionStart ?? ta.value.length;
    const end = ta.selectionEnd ?? ta.value.length;
    ta.value = ta.value.slice(0, start) + c.body + ta.value.slice(end);
    ta.focus();
    ta.setSelectionRange(start + c.body.length, start + c.body.length);
    canned.value = '';
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const body = text.input.value.trim();
    const internal = kind.value() === 'note';
    if (!body) {
      error.show('Write something first.');
      text.input.focus();
      return;
    }
    send.disabled = true;
    try {
      await hd.comment(page.ticket.number, body, internal);
      text.input.value = '';
      await page.refresh();
      notice.show(internal ? 'Internal note added.' : 'Reply sent.');
    } catch (err) {
      error.show(err.message);
    } finally {
      send.disabled = false;
    }
  });
  return { el: h('div', { class: 'reply' }, h('h3', null, 'Reply or add a note'), form, error.el, notice.el) };
}
