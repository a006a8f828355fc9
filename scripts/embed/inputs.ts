import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { MadmixError, show } from '../../src/core/errors.js';
import { JSONL_KEYS, MANIFEST_KEYS, optionalString, readInputFile, readJsonLines, rejectUnknownKeys, requireContent } from './records.js';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.svg']);
export const VIDEO_EXTENSIONS = new Set(['.ogv', '.webm', '.mp4']);

/** One training sample: up to one image or video and one text, all optional but not all absent. */
export interface Item {
  domain: string;
  dataset: string;
  /** Stable identity used for ordering and checkpoint fingerprints. */
  key: string;
  text?: string;
  textFile?: string;
  image?: string;
  video?: string;
}

export interface DatasetInput {
  name: string;
  items: Item[];
}

export interface DomainInput {
  name: string;
  datasets: DatasetInput[];
}

export interface InputSpec {
  /** Folders that are one domain each (subfolders are datasets). */
  domainDirs?: string[];
  /** Folders whose subfolders are domains. */
  domainsRoots?: string[];
  /** JSONL manifests of {domain, dataset?, text?, image?, video?}. */
  manifests?: string[];
  /** LLaVA-style JSON files, as `FILE`, `DOMAIN=FILE` or `DOMAIN/DATASET=FILE`. */
  llava?: string[];
  /** Folder that media paths in manifests and LLaVA files are relative to (default: the file's folder). */
  mediaRoot?: string;
}

type Sink = (item: Omit<Item, 'key'> & { key: string }) => void;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    throw new MadmixError('not_found', `cannot read input folder ${show(dir)}: ${(error as Error).message}`);
  }
}

/** Splits `[DOMAIN[/DATASET]=]FILE`. */
function parseLlavaSpec(spec: string): { file: string; domain: string; dataset: string } {
  const eq = spec.indexOf('=');
  const file = eq >= 0 ? spec.slice(eq + 1) : spec;
  const stem = basename(file, extname(file));
  if (eq < 0) return { file, domain: stem, dataset: stem };
  const [domain, dataset] = spec.slice(0, eq).split('/', 2);
  return { file, domain, dataset: dataset || stem };
}

/** Walks a dataset folder: files sharing a path stem form one sample; each .jsonl line is a sample. */
function walkDataset(dir: string, domain: string, dataset: string, sink: Sink, recurse = true): void {
  const groups = new Map<string, Omit<Item, 'key' | 'domain' | 'dataset'>>();
  const visit = (folder: string): void => {
    for (const name of listDir(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        if (recurse) visit(path);
        continue;
      }
      const ext = extname(name).toLowerCase();
      if (ext === '.jsonl') {
        readJsonLines(path, 'JSONL file', (record, line) => {
          const where = `${path}:${line}`;
          rejectUnknownKeys(record, JSONL_KEYS, where);
          requireContent(record, where);
          const image = optionalString(record, 'image', where);
          const video = optionalString(record, 'video', where);
          sink({
            domain,
            dataset,
            key: where,
            text: optionalString(record, 'text', where),
            image: image && resolve(dirname(path), image),
            video: video && resolve(dirname(path), video),
          });
        });
        continue;
      }
      const stem = path.slice(0, path.length - ext.length);
      const group = groups.get(stem) ?? {};
      if (IMAGE_EXTENSIONS.has(ext)) group.image = path;
      else if (VIDEO_EXTENSIONS.has(ext)) group.video = path;
      else if (ext === '.txt') group.textFile = path;
      else continue;
      groups.set(stem, group);
    }
  };
  visit(dir);
  for (const [stem, group] of groups) sink({ domain, dataset, key: stem, ...group });
}

function walkDomainDir(dir: string, sink: Sink): void {
  const domain = basename(resolve(dir));
  for (const name of listDir(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walkDataset(path, domain, name, sink);
  }
  // Files directly in the domain folder form a dataset named after the domain.
  walkDataset(dir, domain, domain, sink, false);
}

function readLlava(spec: string, mediaRoot: string | undefined, sink: Sink): void {
  const { file, domain, dataset } = parseLlavaSpec(spec);
  let records: unknown;
  try {
    records = JSON.parse(readInputFile(file, 'LLaVA file'));
  } catch (error) {
    if (error instanceof MadmixError) throw error;
    throw new MadmixError('invalid_json', `cannot read LLaVA file ${show(file)}: ${(error as Error).message}`);
  }
  if (!Array.isArray(records)) {
    throw new MadmixError('invalid_json', `LLaVA file ${show(file)} must contain a JSON array of samples`);
  }
  const root = mediaRoot ?? dirname(file);
  records.forEach((record: Record<string, unknown>, index) => {
    const where = `${file}[${index}]`;
    const conversations = record?.conversations;
    if (!Array.isArray(conversations)) {
      throw new MadmixError('invalid_json', `${where}: conversations must be an array of {from, value}`);
    }
    const text = conversations
      .map((turn: { value?: unknown }) => (typeof turn?.value === 'string' ? turn.value : ''))
      .join('\n')
      .replace(/<(image|video)>/g, '')
      .trim();
    const image = optionalString(record, 'image', where);
    const video = optionalString(record, 'video', where);
    sink({
      domain,
      dataset,
      key: `${file}#${String(record.id ?? index)}`,
      text: text === '' ? undefined : text,
      image: image && resolve(root, image),
      video: video && resolve(root, video),
    });
  });
}

/**
 * Reads every input into domains and datasets. Items are sorted by key inside
 * each dataset and domains keep the order of the inputs, so the same inputs
 * always give the same item order.
 */
export function discoverInputs(spec: InputSpec): DomainInput[] {
  return discoverInputsWithEmpty(spec).domains;
}

/**
 * Reads every input like `discoverInputs` and also returns the names of
 * domain folders that contain no usable sample, which `domains` leaves out.
 */
export function discoverInputsWithEmpty(spec: InputSpec): { domains: DomainInput[]; emptyDomains: string[] } {
  const domains = new Map<string, Map<string, Item[]>>();
  const folderDomains: string[] = [];
  const walkFolder = (dir: string): void => {
    folderDomains.push(basename(resolve(dir)));
    walkDomainDir(dir, sink);
  };
  const sink: Sink = (item) => {
    if (!item.text && !item.textFile && !item.image && !item.video) return;
    const datasets = domains.get(item.domain) ?? new Map<string, Item[]>();
    domains.set(item.domain, datasets);
    const items = datasets.get(item.dataset) ?? [];
    datasets.set(item.dataset, items);
    items.push(item);
  };
  for (const dir of spec.domainDirs ?? []) walkFolder(dir);
  for (const root of spec.domainsRoots ?? []) {
    for (const name of listDir(root)) {
      if (statSync(join(root, name)).isDirectory()) walkFolder(join(root, name));
    }
  }
  for (const manifest of spec.manifests ?? []) {
    const root = spec.mediaRoot ?? dirname(manifest);
    readJsonLines(manifest, 'manifest', (record, line) => {
      const where = `${manifest}:${line}`;
      rejectUnknownKeys(record, MANIFEST_KEYS, where);
      requireContent(record, where);
      const domain = optionalString(record, 'domain', where);
      if (!domain) throw new MadmixError('invalid_parameter', `${where}: field domain is missing`);
      const image = optionalString(record, 'image', where);
      const video = optionalString(record, 'video', where);
      sink({
        domain,
        dataset: optionalString(record, 'dataset', where) ?? domain,
        key: where,
        text: optionalString(record, 'text', where),
        image: image && resolve(root, image),
        video: video && resolve(root, video),
      });
    });
  }
  for (const spec2 of spec.llava ?? []) readLlava(spec2, spec.mediaRoot, sink);

  const result: DomainInput[] = [];
  for (const [name, datasets] of domains) {
    const names = [...datasets.keys()].sort(compareStrings);
    const sorted = names.map((dataset) => {
      const items = datasets.get(dataset) as Item[];
      items.sort((a, b) => compareStrings(a.key, b.key));
      return { name: dataset, items };
    });
    result.push({ name, datasets: sorted });
  }
  const emptyDomains = [...new Set(folderDomains)].filter((name) => !domains.has(name));
  return { domains: result, emptyDomains };
}

/** Orders by UTF-16 code units, independent of the locale. */
function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** Modalities an item carries: `image`, `video` and `text`. */
export function itemModalities(item: Item): string[] {
  const modalities: string[] = [];
  if (item.image) modalities.push('image');
  if (item.video) modalities.push('video');
  if (item.text !== undefined || item.textFile) modalities.push('text');
  return modalities;
}
