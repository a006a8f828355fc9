import { Layout, renderDocument } from './layout.js';

/** 404 page for an unknown or malformed result id. */
export function renderNotFound(path: string): Promise<string> {
  return renderDocument(
    <Layout meta={{ title: 'Not found · madmix', description: 'No stored madmix result at this address.' }}>
      <h1>Not found</h1>
      <p>{`There is no stored result at ${path}. Result ids are 32 lowercase hex characters, as returned by POST /v1/mixtures.`}</p>
      <p><a href="/">Back to the start page</a></p>
    </Layout>,
  );
}
