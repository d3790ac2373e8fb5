// The run configuration as a form, made from the options of `synthgrad train`
// (TRAIN_FLAGS: key, help, allowed values): a new option appears here by
// itself. The form edits a raw configuration object the way the command line
// edits a config file (applyFlags), so the page resolves exactly what
// `synthgrad train --config` would.
import { applyFlags, type TrainFlag, TRAIN_FLAGS } from '../train/config.js';

/** Options the page sets another way (the corpus, the backend) or cannot use (files, threads). */
const NOT_IN_FORM = new Set(['--data', '--init', '--backend', '--threads']);

/** Sections of the form, by the first part of the key. */
const SECTIONS: [string, string][] = [
  ['', 'Task and model'], ['policy', 'Policy'], ['synthesizer', 'Synthesizer'], ['optimizer', 'Optimizer'],
  ['schedule', 'Warm restarts'], ['eval', 'Evaluation'], ['copy', 'Copy task'],
];

type Obj = Record<string, unknown>;

function getKey(raw: Obj, key: string): unknown {
  let o: unknown = raw;
  for (const p of key.split('.')) o = o && typeof o === 'object' && !Array.isArray(o) ? (o as Obj)[p] : undefined;
  return o;
}

function deleteKey(raw: Obj, key: string): void {
  const parts = key.split('.');
  let o: unknown = raw;
  for (const p of parts.slice(0, -1)) o = o && typeof o === 'object' ? (o as Obj)[p] : undefined;
  if (o && typeof o === 'object') delete (o as Obj)[parts[parts.length - 1]!];
}

/** The word an option takes for null ("none", "auto", "epoch"), from its placeholder `<x|none>`. */
function noneWord(f: TrainFlag): string {
  return /\|([a-z]+)>$/.exec(f.arg ?? '')?.[1] ?? 'none';
}

/** A configuration value as the option's text. */
function asText(f: TrainFlag, v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return noneWord(f);
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') {
    const o = v as Obj;
    return f.key === 'split' ? `${String(o.valid)},${String(o.test)}` : JSON.stringify(v);
  }
  return String(v);
}

/** The default an option's help gives in brackets, for the placeholder. */
function defaultOf(f: TrainFlag): string {
  return /\[([^\]]*)\]\s*$/.exec(f.help)?.[1] ?? '';
}

export interface ConfigForm {
  /** the raw configuration now */
  raw(): Obj;
  /** shows `raw` in the fields */
  set(raw: Obj): void;
}

/** Builds the fields into `root`; `changed` is called with the new raw configuration after every edit. */
export function buildConfigForm(root: HTMLElement, changed: (raw: Obj) => void): ConfigForm {
  let raw: Obj = {};
  const fields: { f: TrainFlag; input: HTMLInputElement | HTMLSelectElement; error: HTMLElement }[] = [];
  const sets = new Map<string, HTMLFieldSetElement>();
  for (const [prefix, title] of SECTIONS) {
    const fs = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = title;
    fs.append(legend);
    sets.set(prefix, fs);
    root.append(fs);
  }
  for (const f of TRAIN_FLAGS) {
    if (NOT_IN_FORM.has(f.flag)) continue;
    const id = `opt-${f.flag.slice(2)}`;
    const row = document.createElement('div');
    row.className = 'field';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = f.key;
    const help = document.createElement('small');
    help.id = `${id}-help`;
    help.textContent = `${f.flag} · ${f.help}`;
    const error = document.createElement('small');
    error.className = 'error';
    error.id = `${id}-error`;
    error.setAttribute('role', 'alert');
    let input: HTMLInputElement | HTMLSelectElement;
    if (f.choices) {
      input = document.createElement('select');
      const none = document.createElement('option');
      none.value = '';
      none.textContent = defaultOf(f) ? `(default: ${defaultOf(f)})` : '(not set)';
      input.append(none, ...f.choices.map((c) => Object.assign(document.createElement('option'), { value: c, textContent: c })));
    } else if (f.arg === null) {
      input = Object.assign(document.createElement('input'), { type: 'checkbox' });
    } else {
      input = Object.assign(document.createElement('input'), { type: 'text', placeholder: defaultOf(f), spellcheck: false, autocomplete: 'off' });
    }
    input.id = id;
    input.setAttribute('aria-describedby', `${help.id} ${error.id}`);
    input.addEventListener('change', () => edit(f, input, error));
    row.append(label, input, help, error);
    const prefix = f.key.includes('.') ? f.key.slice(0, f.key.indexOf('.')) : '';
    (sets.get(prefix) ?? sets.get('')!).append(row);
    fields.push({ f, input, error });
  }
  for (const fs of sets.values()) if (fs.children.length === 1) fs.remove();

  const edit = (f: TrainFlag, input: HTMLInputElement | HTMLSelectElement, error: HTMLElement) => {
    const next = structuredClone(raw);
    const text = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value.trim();
    try {
      if (text === '' || text === false) {
        deleteKey(next, f.key);
        raw = next;
      } else {
        // a switch counts when ticked; --no-train-in-real sets its key to false
        raw = applyFlags(next, { [f.attr]: f.flag.startsWith('--no-') ? false : text }) as Obj;
      }
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    changed(raw);
  };

  const set = (r: Obj) => {
    raw = structuredClone(r);
    for (const { f, input, error } of fields) {
      const v = getKey(raw, f.key);
      if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = f.flag.startsWith('--no-') ? v === false : v === true;
      else input.value = asText(f, v);
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  };
  return { raw: () => raw, set };
}
