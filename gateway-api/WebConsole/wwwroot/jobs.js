// Ingestion jobs: the list, and one job with its progress and the records it rejected.
import { api, url } from './api.js';
import { announce, badge, count, errorArea, facts, fill, fillFrom, h, heading, link, run, section, table, time } from './dom.js';
import { session } from './session.js';

const RUNNING = ['created', 'validating', 'processing'];

function jobLink(job) { return link(`#/jobs/${job.jobId}`, job.jobId); }

export async function jobsPage(view, params, scope) {
  const list = h('div');
  const errors = errorArea();
  view.append(heading('Jobs', 'Batch loads (POST /v1/data) and their progress, newest first.'), errors, section('Ingestion jobs', list));
  const load = async () => {
    fillFrom(list, await api.get(url(['jobs', session.workspace, 'ingest'])), jobs => table([
      { label: 'Job', cell: jobLink },
      { label: 'Dataset', cell: j => link(`#/datasets/${encodeURIComponent(j.datasetId)}`, j.datasetId) },
      { label: 'Status', cell: j => badge(j.status) },
      { label: 'Progress', num: true, cell: j => `${j.progress}%` },
      { label: 'Received', num: true, cell: j => count(j.received) },
      { label: 'Ingested', num: true, cell: j => count(j.ingested) },
      { label: 'Invalid', num: true, cell: j => count(j.invalid) },
      { label: 'Duplicates', num: true, cell: j => count(j.duplicates) },
      { label: 'Created (UTC)', cell: j => time(j.created) },
    ], jobs, { caption: `${jobs.length} jobs`, empty: 'No jobs yet: load a file from a dataset\'s page.' }));
  };
  await load();
  scope.every(2000, async () => {
    try { await load(); errors.clear(); } catch (error) { errors.show(error); }
  });
}

export async function jobPage(view, { id }, scope) {
  const ws = session.workspace;
  const summary = h('div');
  const invalid = h('div');
  const errors = errorArea();
  const cancel = h('button', { type: 'button', class: 'danger', hidden: true }, 'Cancel job');
  cancel.addEventListener('click', () => run(cancel, errors, async () => {
    await api.del(url(['jobs', ws, 'ingest', id]));
    announce(`Job ${id} is being canceled.`);
    await load();
  }));
  view.append(heading(`Job ${id}`), errors, summary, h('div', { class: 'actions' }, cancel), section('Invalid records', invalid));

  async function load() {
    const job = await api.get(url(['jobs', ws, 'ingest', id]));
    fill(summary, facts([
      ['Dataset', link(`#/datasets/${encodeURIComponent(job.datasetId)}`, job.datasetId)],
      ['Status', badge(job.status)],
      ['Progress', h('span', null, h('progress', { max: 100, value: job.progress, 'aria-label': 'Job progress' }), ` ${job.progress}%`)],
      ['Received', count(job.received)],
      ['Ingested', count(job.ingested)],
      ['Invalid', count(job.invalid)],
      ['Duplicates', count(job.duplicates)],
      ['Bytes', count(job.bytes)],
      ['Created (UTC)', time(job.created)],
      ['Started (UTC)', time(job.started)],
      ['Finished (UTC)', time(job.finished)],
      job.error ? ['Error', job.error] : null,
    ]));
    cancel.hidden = !RUNNING.includes(job.status);
    const rejected = await api.get(url(['jobs', ws, 'ingest', id, 'invalid'], { limit: 1000 }));
    fill(invalid, table([
      { label: 'Line', num: true, cell: r => r.line },
      { label: 'Field', cell: r => r.field ?? '—' },
      { label: 'Reason', cell: r => r.reason },
      { label: 'Raw', cell: r => h('code', null, r.raw) },
    ], rejected, { caption: rejected.length === 1000 ? 'The first 1,000 invalid records' : `${rejected.length} invalid records`, empty: 'No invalid records.' }),
    rejected.length ? h('p', null, h('button', { type: 'button', class: 'link', onclick: () => downloadInvalid(ws, id, errors) }, 'Download the raw lines')) : null);
    return job;
  }

  let job = await load();
  scope.every(1000, async () => {
    if (!RUNNING.includes(job.status)) return;
    try { job = await load(); } catch (error) { errors.show(error); }
  });
}

async function downloadInvalid(ws, id, errors) {
  try {
    const lines = await api.get(url(['jobs', ws, 'ingest', id, 'invalid'], { format: 'csv' }));
    const a = h('a', { href: URL.createObjectURL(new Blob([lines], { type: 'text/plain' })), download: `${id}-invalid.txt` });
    a.click();
    URL.revokeObjectURL(a.href);
  } catch (error) {
    errors.show(error);
  }
}
