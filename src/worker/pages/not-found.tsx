import { Layout, renderDocument } from './layout.js';

const HINTS = {
  result: 'Result ids are 32 lowercase hex characters, as returned by POST /v1/mixtures.',
  stats: 'Statistics set ids are 64 lowercase hex characters, as returned by POST /v1/stats.',
};

/** 404 page for an unknown or malformed result id (`kind` "result") or statistics set id (`kind` "stats"). */
export function renderNotFound(path: string, kind: keyof typeof HINTS = 'result'): Promise<string> {
  const subject = kind === 'stats' ? 'statistics set' : 'result';
  return renderDocument(
    <Layout meta={{ title: 'Not found · madmix', description: `No stored madmix ${subject} at this address.` }}>
      <h1>Not found</h1>
      <p>{`There is no stored ${subject} at ${path}. ${HINTS[kind]}`}</p>
      <p><a href="/">Back to the start page</a></p>
    </Layout>,
  );
}
