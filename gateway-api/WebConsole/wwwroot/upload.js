// A batch load from a file: the upload with its progress (XMLHttpRequest upload events), then the ingestion job's
// progress (GET /v1/jobs/…) until it is done.
import { api, url } from './api.js';
import { announce, bytes, count, errorArea, field, h, link, run, section, select } from './dom.js';
import { session } from './session.js';

const FORMATS = [['', 'From the file name'], ['text/csv', 'CSV (comma, tab or pipe)'], ['application/json', 'JSON array'], ['application/x-ndjson', 'NDJSON']];
const DONE = ['ingested', 'failed', 'canceled'];

function contentTypeOf(file, chosen) {
  if (chosen) return chosen;
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || name.endsWith('.tsv') || name.endsWith('.txt')) return 'text/csv';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'application/x-ndjson';
  if (name.endsWith('.json')) return 'application/json';
  return ''; // the service sniffs it
}

function wait(ms) { return new Promise(resolve => setTimeout(resolve, ms)); }

export function uploadSection(datasetId, scope, loaded) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,.tsv,.txt,.json,.ndjson,.jsonl,text/csv,application/json,application/x-ndjson' });
  const format = select(FORMATS, { name: 'format' });
  const duplicates = select([['ignore', 'Keep the stored record'], ['replace', 'Replace it']], { name: 'duplicateKeyHandling' });
  const errors = errorArea();
  const submit = h('button', { type: 'submit' }, 'Upload');
  const uploadBar = h('progress', { max: 100, value: 0, 'aria-label': 'Upload progress' });
  const uploadText = h('span');
  const jobBar = h('progress', { max: 100, value: 0, 'aria-label': 'Job progress' });
  const jobText = h('span');
  const progress = h('div', { class: 'progress', hidden: true, 'aria-live': 'polite' },
    h('p', null, uploadBar, ' ', uploadText), h('p', null, jobBar, ' ', jobText));

  const showJob = job => {
    jobBar.value = job.progress;
    jobText.replaceChildren(`Job `, link(`#/jobs/${job.jobId}`, job.jobId.slice(0, 8)), `: ${job.status} — ${job.progress}%, `,
      `received ${count(job.received)}, ingested ${count(job.ingested)}, invalid ${count(job.invalid)}, duplicates ${count(job.duplicates)}`,
      job.error ? ` — ${job.error}` : '');
  };

  const form = h('form', { class: 'card' },
    h('div', { class: 'grid' },
      field('File (CSV, JSON or NDJSON)', file),
      field('Format', format),
      field('A record already stored with the same key, subkey and date', duplicates)),
    errors, progress,
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      const chosen = file.files[0];
      if (!chosen) throw new Error('Choose a file to upload.');
      progress.hidden = false;
      uploadBar.value = 0;
      jobBar.value = 0;
      jobText.textContent = '';
      const path = url(['data', session.workspace, datasetId], { wait: 'false', duplicateKeyHandling: duplicates.value });
      const accepted = await api.upload(path, chosen, contentTypeOf(chosen, format.value), (sent, total) => {
        uploadBar.value = total ? Math.round((sent / total) * 100) : 0;
        uploadText.textContent = `Uploading ${chosen.name}: ${bytes(sent)} of ${bytes(total)}`;
      });
      uploadBar.value = 100;
      uploadText.textContent = `Uploaded ${chosen.name} (${bytes(chosen.size)}).`;
      let job = await api.get(url(['jobs', session.workspace, 'ingest', accepted.jobId]));
      showJob(job);
      while (!DONE.includes(job.status) && scope.alive) {
        await wait(400);
        job = await api.get(url(['jobs', session.workspace, 'ingest', accepted.jobId]));
        showJob(job);
      }
      announce(`Job ${job.jobId} ${job.status}: ${job.ingested} records ingested, ${job.invalid} invalid.`);
      loaded(job);
    });
  });
  return section('Load a file', h('p', null, 'Loads a file as an ingestion job; invalid records are skipped and listed with the job.'), form);
}
