// pages/ticket-fix.js — the ticket page's "Run a fix" for support staff and admins
// (pages/ticket.js), shown only when the ticket names a machine: pick one of the approved
// fixes (GET /api/v1/fixes) and run it there (POST /api/v1/tickets/{n}/fix), as a signed
// job through the machine's agent. The result is not in the answer: it arrives later as an
// internal note, so the page asks for the ticket again every few seconds until the note
// for the job is there (at most ten minutes, and never after the page is left).

import { h, replace, messageArea, field } from '../dom.js';
import { hd } from './helpdesk-api.js';
import { list } from './helpdesk-parts.js';

const POLL_MS = 2000;
const POLL_FOR_MS = 10 * 60 * 1000;

/** Whether a ticket's timeline has the result note of a job. */
const hasResult = (t, job) => list(t.timeline).some((e) => e.kind === 'note' && e.data && Number(e.data.job) === Number(job));

export function fixSection(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const intro = h('p');
  const select = h('select', { name: 'fix' }, h('option', { value: '' }, 'Loading…'));
  const about = h('div', { class: 'fix-about small' });
  const run = h('button', { type: 'submit', class: 'button button-primary' }, 'Run the fix');
  const none = h('p', { class: 'empty', hidden: true }, 'There are no approved fixes yet: an administrator adds them to the library.');
  const form = h('form', { class: 'form-stack fix-form', 'aria-label': 'Run an approved fix' },
    field('Approved fix', select), about, h('div', { class: 'form-actions' }, run));
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-fix', hidden: true },
    h('h2', { id: 'ticket-fix' }, 'Run a fix'), intro, none, form, error.el, notice.el);
  let fixes = [];
  const pending = new Map(); // job id -> fix name, until its note is in the timeline
  let timer = null;
  let until = 0;

  const showAbout = () => {
    const f = fixes.find((x) => x.name === select.value);
    replace(about, f ? [
      f.description ? h('p', null, f.description) : null,
      h('p', { class: 'muted' }, 'Runs ', h('code', { class: 'wrap-code' }, f.command), ` as root, for at most ${f.timeout_s} s.`),
    ] : null);
  };
  select.addEventListener('change', showAbout);

  hd.fixes().then((res) => {
    fixes = list(res.fixes).filter((f) => !f.disabled);
    replace(select, fixes.map((f) => h('option', { value: f.name }, f.name)));
    none.hidden = fixes.length > 0;
    form.hidden = !fixes.length;
    showAbout();
  }).catch((err) => {
    replace(select, h('option', { value: '' }, 'Not available'));
    run.disabled = true;
    error.show(err.message);
  });

  async function poll() {
    timer = null;
    if (!pending.size) return;
    try {
      const t = (await hd.ticket(page.ticket.number)).ticket;
      const done = [...pending.keys()].filter((job) => hasResult(t, job));
      if (done.length) {
        for (const job of done) pending.delete(job);
        await page.refresh();
        notice.show(done.length === 1
          ? `Job ${done[0]} has finished: its result is in the timeline as an internal note.`
          : `Jobs ${done.join(', ')} have finished: their results are in the timeline as internal notes.`);
      }
    } catch {
      /* try again at the next tick; the note will be there after a reload anyway */
    }
    if (pending.size && Date.now() < until) timer = setTimeout(poll, POLL_MS);
    else if (pending.size) notice.show('The agent has not reported yet. Its result will appear in the timeline as an internal note when it does; reload the page later.');
  }
  page.onCleanup(() => {
    clearTimeout(timer);
    pending.clear();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const name = select.value;
    if (!name) {
      select.focus();
      return;
    }
    const host = page.ticket.host;
    run.disabled = true;
    try {
      const res = await hd.runFix(page.ticket.number, name);
      pending.set(res.job, name);
      await page.refresh();
      notice.show(`Queued “${name}” on ${host} as job ${res.job}. The result arrives later, as an internal note in the timeline, once the agent has run it.`);
      until = Date.now() + POLL_FOR_MS;
      if (!timer) timer = setTimeout(poll, POLL_MS);
    } catch (err) {
      error.show(err.message);
    } finally {
      run.disabled = false;
    }
  });

  return {
    el,
    update(t) {
      el.hidden = !t.host || t.status === 'closed';
      replace(intro, 'Runs an approved command on ', h('a', { href: `#/machines/${encodeURIComponent(t.host || '')}` }, t.host || ''),
        ' through its agent. The result is not shown at once: it arrives as an internal note in the timeline when the agent has run it.');
    },
  };
}
