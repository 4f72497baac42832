// A dataset followed live through server-sent events (GET /v1/sse/…): every record committed from now on. EventSource
// reconnects by itself and resumes after the last event id it saw, so nothing committed meanwhile is missed.
import { url, withToken } from './api.js';
import { session } from './session.js';

/**
 * Follows a dataset: onRecords(records) for each frame, onState('connecting' | 'live' | 'reconnecting' | 'closed').
 * onOpen() runs each time the stream (re)opens, when what it will send next is everything not yet read.
 * Returns a function that stops following.
 */
export function follow(datasetId, { onRecords, onState, onOpen }) {
  const path = url(['sse', session.workspace, datasetId], { nosnapshot: 'true', includeSystemRecordProperties: 'true' });
  const source = new EventSource(withToken(path));
  onState('connecting');
  source.addEventListener('open', () => { onState('live'); onOpen?.(); });
  source.addEventListener('message', e => onRecords(JSON.parse(e.data)));
  // A reset means the stream cannot resume where it was: start over from a fresh read.
  source.addEventListener('reset', () => onOpen?.());
  source.addEventListener('error', () => onState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  return () => { source.close(); onState('closed'); };
}
