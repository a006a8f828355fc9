/** The two forms of the statistics-set page. Both post back to this origin and work without JavaScript. */
import { DEFAULTS, METHODS } from '../../core/mix.js';
import type { StatsSet } from '../../core/stats/types.js';
import { methodLabel } from './format.js';

/** Text of the compute form's fields, kept as typed so a rejected form shows them again. */
export interface ComputeValues {
  method: string;
  lambda: string;
  temperature: string;
  modality: string;
}

/** Text of the job form's fields. The token field is not kept, so a re-rendered form never contains it. */
export interface JobValues {
  shards: string;
  samples: string;
  seed: string;
  folder: string;
}

export const EMPTY_COMPUTE: ComputeValues = { method: 'madmix', lambda: '', temperature: '', modality: '' };
export const EMPTY_JOB: JobValues = { shards: '1', samples: '', seed: '', folder: '' };

/** Returns the field's value from a submitted form, or "" when it is absent. */
export const field = (form: URLSearchParams, name: string): string => form.get(name) ?? '';

export function readComputeValues(form: URLSearchParams): ComputeValues {
  // An absent method means the API default, as in a JSON request without "method".
  return { method: form.get('method') ?? 'madmix', lambda: field(form, 'lambda'), temperature: field(form, 'temperature'), modality: field(form, 'modality') };
}

export function readJobValues(form: URLSearchParams): JobValues {
  return { shards: field(form, 'shards'), samples: field(form, 'samples'), seed: field(form, 'seed'), folder: field(form, 'folder') };
}

const FormError = (props: { message?: string }) => (props.message ? <p class="warning" role="alert">{props.message}</p> : null);

/** Methods the compute form offers: manual needs a weights object, which the form has no field for. */
const FORM_METHODS = METHODS.filter((m) => m !== 'manual');

export function ComputeForm(props: { id: string; set: StatsSet; values: ComputeValues; error?: string }) {
  const { values } = props;
  return (
    <form class="fields" method="post" action={`/s/${props.id}/mixtures`}>
      <label>
        Method
        <select name="method">
          {FORM_METHODS.map((m) => <option value={m} selected={values.method === m}>{`${methodLabel(m)} (${m})`}</option>)}
        </select>
      </label>
      <label>
        lambda
        <input name="lambda" type="number" step="any" value={values.lambda} placeholder={`${DEFAULTS.madmix.lambda} (default)`} />
      </label>
      <label>
        temperature
        <input name="temperature" type="number" step="any" value={values.temperature} placeholder={`${DEFAULTS.madmix.temperature} (default)`} />
      </label>
      <label>
        modality
        <select name="modality">
          <option value="" selected={values.modality === ''}>method default</option>
          {props.set.modalities.map((m) => <option value={m.name} selected={values.modality === m.name}>{m.name}</option>)}
        </select>
      </label>
      <p>{'Manual weights are not offered here: send {"method": "manual", "params": {"weights": {...}}} to POST /v1/mixtures (see the API docs).'}</p>
      <button type="submit">Compute</button>
      <FormError message={props.error} />
    </form>
  );
}

export function JobForm(props: { id: string; values: JobValues; error?: string }) {
  const { values } = props;
  return (
    <form class="fields" method="post" action={`/s/${props.id}/jobs`} autocomplete="off">
      <label>
        Write token
        <input name="token" type="password" required autocomplete="off" />
      </label>
      <label>
        Shards
        <input name="shards" type="number" min="1" max="1024" step="1" required value={values.shards} />
      </label>
      <label>
        Samples per dataset
        <input name="samples" type="number" min="1" step="1" value={values.samples} placeholder="512 (script default)" />
      </label>
      <label>
        Seed
        <input name="seed" type="number" min="0" step="1" value={values.seed} placeholder="0 (script default)" />
      </label>
      <label>
        Data folder (absolute path, one subfolder per domain)
        <input name="folder" type="text" value={values.folder} placeholder="/data/corpus" />
      </label>
      <button type="submit">Create job</button>
      <FormError message={props.error} />
    </form>
  );
}
