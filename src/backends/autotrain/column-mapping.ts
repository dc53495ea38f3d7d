/**
 * The `column_mapping` AutoTrain's create_project requires (autotrain-advanced `api_routes.py`,
 * `APICreateProjectModel.validate_column_mapping`: no server-side defaults). A pipeline may name it in
 * `backend.column_mapping`; otherwise it is read from the dataset at the run's revision, the way `datasets` sees
 * its columns (the card's `dataset_info.features`, else the first data file's columns, else `image` and `label`
 * for images in `<split>/<label>/` folders), and chosen with the same column names as the trainers: the trainers'
 * `columns` command reads and picks them (trainers/data/dataset-columns.ts).
 */
import { AUTOTRAIN_COLUMN_MAPPING_KEYS } from '../../config/backends';
import { lastJsonLine, runTrainerCommand, trainersCommand } from '../trainer-process';
import { PermanentBackendError } from '../../errors';

export type ColumnMapping = Record<string, string | string[]>;

export interface ColumnMappingChoice {
  mapping: ColumnMapping;
  /** Where it came from: `backend.column_mapping`, or what the columns were read from. */
  from: string;
}

interface FoundColumns {
  columns: string[];
  /** Columns that hold images (an `Image` feature, or `{bytes, path}` cells). */
  imageColumns: string[];
  from: string;
}

/** What the trainers' `columns` command prints. */
interface DatasetColumns extends FoundColumns {
  picked: { label?: string; image?: string; text?: string };
}

const COLUMNS_TIMEOUT_MS = 120_000;

export interface ColumnMappingInput {
  task: string;
  configured?: ColumnMapping;
  /** The dataset at the run's revision, downloaded. */
  dir: string;
  /** The card's YAML front matter as the Hub parsed it. */
  cardData?: Record<string, unknown>;
  /** `owner/name@sha7`, for messages. */
  dataset: string;
}

export async function chooseColumnMapping(input: ColumnMappingInput): Promise<ColumnMappingChoice> {
  const found = await datasetColumns(input.dir, declaredFeatures(input.cardData));
  const listed = found.columns.length > 0 ? found.columns.map((c) => `"${c}"`).join(', ') : 'none';
  const keys = AUTOTRAIN_COLUMN_MAPPING_KEYS[input.task] ?? [];
  if (input.configured) {
    const missing = Object.entries(input.configured).flatMap(([key, columns]) =>
      ([] as string[])
        .concat(columns)
        .filter((c) => !found.columns.includes(c))
        .map((c) => `${key} "${c}"`),
    );
    if (found.columns.length > 0 && missing.length > 0) {
      throw new PermanentBackendError(
        `backend.column_mapping names ${missing.join(', ')}, but ${input.dataset} ` +
          `has no such column; columns found: ${listed} (read from ${found.from})`,
      );
    }
    return { mapping: input.configured, from: 'backend.column_mapping' };
  }
  const { label, image, text } = found.picked;
  const mapping: ColumnMapping = {};
  if (label) mapping.target_column = label;
  if (input.task === 'image-classification' && image) mapping.image_column = image;
  else if (input.task === 'text-classification' && text) mapping.text_column = text;
  const unmapped = keys.filter((k) => mapping[k] === undefined);
  if (keys.length === 0 || unmapped.length > 0) {
    const needed = keys.length > 0 ? keys : ['...'];
    throw new PermanentBackendError(
      `cannot tell which columns of ${input.dataset} AutoTrain should train ${input.task} on: ` +
        `${unmapped.length > 0 ? `no ${unmapped.join(' or ')} found` : 'no rule for this task'}; ` +
        `columns found: ${listed} (read from ${found.from}). Name them in backend.column_mapping ` +
        `(${needed.map((k) => `"${k}"`).join(', ')})`,
    );
  }
  return { mapping, from: found.from };
}

/** The dataset's columns and the trainers' picks among them, from the trainers' `columns` command. */
async function datasetColumns(dir: string, declared: FoundColumns | undefined): Promise<DatasetColumns> {
  const args = declared ? [dir, '--declared', JSON.stringify(declared)] : [dir];
  const stdout = await runTrainerCommand([...trainersCommand('columns'), ...args], {
    what: "reading the dataset's columns",
    timeoutMs: COLUMNS_TIMEOUT_MS,
  });
  const found = lastJsonLine(stdout) as DatasetColumns | undefined;
  if (!found || !Array.isArray(found.columns) || typeof found.picked !== 'object') {
    throw new Error(`reading the dataset's columns printed no answer: ${stdout.slice(0, 200)}`);
  }
  return found;
}

/** `dataset_info.features` of the card (one config, or the first of several): names, and which are images. */
function declaredFeatures(cardData: Record<string, unknown> | undefined): FoundColumns | undefined {
  const info = cardData?.dataset_info;
  const first: unknown = Array.isArray(info) ? info[0] : info;
  const features = (first as { features?: unknown } | undefined)?.features;
  if (!Array.isArray(features)) return undefined;
  const named = features.filter(
    (f): f is Record<string, unknown> & { name: string } =>
      typeof f === 'object' && f !== null && typeof (f as { name?: unknown }).name === 'string',
  );
  if (named.length === 0) return undefined;
  const isImage = (f: Record<string, unknown>) => f.dtype === 'image' || (f as { _type?: unknown })._type === 'Image';
  return {
    columns: named.map((f) => f.name),
    imageColumns: named.filter(isImage).map((f) => f.name),
    from: 'the dataset card (dataset_info.features)',
  };
}
