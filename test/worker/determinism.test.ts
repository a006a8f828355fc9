import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bearer, imageText, postJson, statsJsonFrom, upload, WRITE_TOKEN } from './helpers.js';

async function storedText(id: string): Promise<string> {
  const object = await env.STATS.get(`results/${id}.json`);
  if (!object) throw new Error(`results/${id}.json is missing`);
  return object.text();
}

/** The stored result without its creation time, the one field that may differ between two computations. */
const withoutTime = (text: string) => text.replace(/"createdAt":"[^"]*",/, '');

describe('determinism: worker', () => {
  it('determinism: repeated request stores same bytes', async () => {
    const { id: statsId } = await upload(statsJsonFrom(imageText));
    for (const request of imageText.runs) {
      const body = { stats: statsId, method: request.method, params: request.params };
      const first = await postJson('/v1/mixtures', body, bearer(WRITE_TOKEN));
      expect(first.status).toBe(201);
      const { id } = (await first.json()) as { id: string };
      const text = await storedText(id);
      const again = await postJson('/v1/mixtures', body, bearer(WRITE_TOKEN));
      expect(again.status).toBe(200);
      expect(((await again.json()) as { id: string }).id).toBe(id);
      // Removing the stored result forces a fresh solve of the same request.
      await env.STATS.delete(`results/${id}.json`);
      const recomputed = await postJson('/v1/mixtures', body, bearer(WRITE_TOKEN));
      expect(recomputed.status).toBe(201);
      expect(withoutTime(await storedText(id))).toBe(withoutTime(text));
    }
  });

  it('determinism: inline and stored sets agree', async () => {
    const stats = statsJsonFrom(imageText);
    const { id: statsId } = await upload(stats);
    const run = imageText.runs[0];
    const stored = (await (await postJson('/v1/mixtures', { stats: statsId, method: run.method, params: run.params }, bearer(WRITE_TOKEN))).json()) as {
      results: { inputHash: string; weights: Record<string, number> }[];
    };
    const inline = (await (await postJson('/v1/mixtures', { stats, method: run.method, params: run.params }, bearer(WRITE_TOKEN))).json()) as typeof stored;
    expect(inline.results[0].inputHash).toBe(statsId);
    expect(inline.results[0].weights).toEqual(stored.results[0].weights);
  });
});
