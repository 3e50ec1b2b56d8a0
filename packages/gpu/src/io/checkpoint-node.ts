/**
 * Checkpoints on disk (Node only; exported as `@scratchseq/gpu/node`, never from the browser
 * entry).
 *
 * A checkpoint directory holds generations and a manifest that names the current one:
 *
 *   dir/checkpoint.json            the manifest: generation, and size + SHA-256 of each file
 *   dir/gen-000007/model.safetensors   tensors (loads in PyTorch with safetensors)
 *   dir/gen-000007/config.json     model config
 *   dir/gen-000007/state.json      optional training state (optimizer, RNG, data position …)
 *
 * A save writes a new generation beside the current one — each file to a temporary name in
 * the same directory, fsynced, then renamed — and commits by atomically replacing the
 * manifest, written last. A crash at any point leaves either the previous checkpoint or the
 * new one, never a mixture and never a checkpoint that loads half-written.
 */

import { createHash, randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import type { Device } from '../device.js';
import type { Tensor } from '../tensor.js';
import { parseSafetensors } from './safetensors.js';
import { saveSafetensors, tensorsFromSafetensors } from './tensors.js';

/** The file-system calls a checkpoint uses; inject a wrapper to simulate crashes in tests. */
export type CheckpointFs = Pick<
  typeof nodeFs,
  'open' | 'rename' | 'mkdir' | 'readFile' | 'readdir' | 'rm'
>;

export interface CheckpointData {
  /** Parameters (and any other tensors) by name, e.g. a module's `stateDict()`. */
  tensors: Record<string, Tensor>;
  /** Model configuration; any JSON value. */
  config: unknown;
  /** Training state to resume from (optimizer, RNG, data position …); any JSON value. */
  state?: unknown;
  /** String metadata stored in the safetensors header (`format: 'pt'` is added). */
  metadata?: Record<string, string>;
}

export interface SaveCheckpointOptions {
  /** Keep the previously committed generation on disk after a save (default false: delete it). */
  keepPrevious?: boolean;
  fs?: CheckpointFs;
}

export interface LoadCheckpointOptions {
  /** Device for the tensors; default: the current device. */
  device?: Device;
  /** Check each file's SHA-256 against the manifest (default true; sizes are always checked). */
  verify?: boolean;
  fs?: CheckpointFs;
}

export interface SavedCheckpoint {
  /** The generation directory holding the files. */
  path: string;
  generation: string;
}

export interface LoadedCheckpoint extends SavedCheckpoint {
  tensors: Record<string, Tensor>;
  config: unknown;
  state: unknown;
  metadata: Record<string, string>;
}

interface ManifestFile {
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: typeof FORMAT;
  version: 1;
  generation: string;
  files: Record<string, ManifestFile>;
}

const FORMAT = 'scratchseq-checkpoint';
const MANIFEST = 'checkpoint.json';
const MODEL = 'model.safetensors';
const CONFIG = 'config.json';
const STATE = 'state.json';
const GENERATION = /^gen-(\d{6,})$/;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toJson(value: unknown, what: string): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (e) {
    throw new Error(`saveCheckpoint: ${what} is not JSON-serializable (${(e as Error).message})`);
  }
  if (text === undefined) throw new Error(`saveCheckpoint: ${what} is not JSON-serializable`);
  return new TextEncoder().encode(`${text}\n`);
}

/** Writes `bytes` to a temporary file beside `path`, fsyncs it, then renames it onto `path`. */
async function writeDurably(fs: CheckpointFs, path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, path);
}

/** Fsyncs a directory so that renames inside it survive a power loss (a no-op where unsupported). */
async function syncDirectory(fs: CheckpointFs, dir: string): Promise<void> {
  let handle: nodeFs.FileHandle;
  try {
    handle = await fs.open(dir, 'r');
  } catch (e) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    await handle.sync();
  } catch (e) {
    // Windows and some file systems refuse fsync on directories.
    if (!['EINVAL', 'EPERM', 'EBADF', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? ''))
      throw e;
  } finally {
    await handle.close();
  }
}

function generationNumber(name: string): number {
  const match = GENERATION.exec(name);
  return match ? Number(match[1]) : -1;
}

/**
 * Saves tensors, config and optional training state as the new current checkpoint in `dir`
 * (created if missing). Atomic: see the module comment.
 */
export async function saveCheckpoint(
  dir: string,
  data: CheckpointData,
  options: SaveCheckpointOptions = {},
): Promise<SavedCheckpoint> {
  const fs = options.fs ?? nodeFs;
  // Serialize everything first, so that bad input fails before the disk is touched.
  const files = new Map<string, Uint8Array>();
  files.set(MODEL, await saveSafetensors(data.tensors, { format: 'pt', ...data.metadata }));
  files.set(CONFIG, toJson(data.config, 'config'));
  if (data.state !== undefined) files.set(STATE, toJson(data.state, 'state'));

  await fs.mkdir(dir, { recursive: true });
  const existing = await fs.readdir(dir);
  const previous = await fs
    .readFile(join(dir, MANIFEST), 'utf8')
    .then((text) => parseManifest(dir, text).generation)
    .catch(() => undefined);
  const next = Math.max(0, ...existing.map(generationNumber)) + 1;
  const generation = `gen-${String(next).padStart(6, '0')}`;
  const path = join(dir, generation);

  const manifest: Manifest = { format: FORMAT, version: 1, generation, files: {} };
  try {
    await fs.mkdir(path);
    for (const [name, bytes] of files) {
      await writeDurably(fs, join(path, name), bytes);
      manifest.files[name] = { bytes: bytes.length, sha256: sha256(bytes) };
    }
    await syncDirectory(fs, path);
    // The commit point: until this rename lands, checkpoint.json names the previous generation.
    await writeDurably(fs, join(dir, MANIFEST), toJson(manifest, 'manifest'));
  } catch (e) {
    await fs.rm(path, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  await syncDirectory(fs, dir);

  // Best effort: drop older generations and what interrupted saves left behind.
  for (const name of existing) {
    const stale = GENERATION.test(name) && !(options.keepPrevious && name === previous);
    if (stale || name.startsWith(`${MANIFEST}.tmp-`)) {
      await fs.rm(join(dir, name), { recursive: true, force: true }).catch(() => {});
    }
  }
  return { path, generation };
}

function invalid(dir: string, problem: string): never {
  throw new Error(`invalid checkpoint in ${dir}: ${problem}`);
}

function parseManifest(dir: string, text: string): Manifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    invalid(dir, `${MANIFEST} is not valid JSON`);
  }
  const m = manifest as Partial<Manifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== FORMAT || m.version !== 1) {
    invalid(dir, `${MANIFEST} is not a version-1 ${FORMAT} manifest`);
  }
  // The generation names a directory: refuse anything but gen-NNNNNN (no path traversal).
  if (typeof m.generation !== 'string' || !GENERATION.test(m.generation)) {
    invalid(dir, `${MANIFEST} names generation ${JSON.stringify(m.generation)}`);
  }
  if (typeof m.files !== 'object' || m.files === null) invalid(dir, `${MANIFEST} lists no files`);
  for (const name of [MODEL, CONFIG]) {
    if (!(name in m.files)) invalid(dir, `${MANIFEST} lists no ${name}`);
  }
  for (const [name, file] of Object.entries(m.files)) {
    if (![MODEL, CONFIG, STATE].includes(name))
      invalid(dir, `${MANIFEST} lists unexpected file ${JSON.stringify(name)}`);
    if (!Number.isSafeInteger(file?.bytes) || typeof file?.sha256 !== 'string') {
      invalid(dir, `${MANIFEST} entry for ${name} needs bytes and sha256`);
    }
  }
  return m as Manifest;
}

/**
 * Loads the current checkpoint in `dir`, checking every file against the manifest. Fails with
 * a clear error when there is none (never saved, or no save finished) or a file was altered.
 */
export async function loadCheckpoint(
  dir: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const fs = options.fs ?? nodeFs;
  let manifestText: string;
  try {
    manifestText = await fs.readFile(join(dir, MANIFEST), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `no complete checkpoint in ${dir}: ${MANIFEST} is missing (nothing was saved there, or no save finished)`,
      );
    }
    throw e;
  }
  const manifest = parseManifest(dir, manifestText);
  const path = join(dir, manifest.generation);

  const contents = new Map<string, Uint8Array>();
  for (const [name, expected] of Object.entries(manifest.files)) {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(join(path, name));
    } catch (e) {
      invalid(dir, `${manifest.generation}/${name} cannot be read (${(e as Error).message})`);
    }
    if (bytes.length !== expected.bytes) {
      invalid(
        dir,
        `${manifest.generation}/${name} is ${bytes.length} bytes, the manifest says ${expected.bytes}`,
      );
    }
    if ((options.verify ?? true) && sha256(bytes) !== expected.sha256) {
      invalid(
        dir,
        `${manifest.generation}/${name} does not match its SHA-256 in the manifest (altered or corrupt)`,
      );
    }
    contents.set(name, bytes);
  }

  const parsed = parseSafetensors(contents.get(MODEL)!);
  const decodeJson = (name: string): unknown => {
    const bytes = contents.get(name);
    if (!bytes) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      invalid(dir, `${manifest.generation}/${name} is not valid JSON`);
    }
  };
  return {
    path,
    generation: manifest.generation,
    tensors: tensorsFromSafetensors(parsed, { device: options.device }),
    config: decodeJson(CONFIG),
    state: decodeJson(STATE),
    metadata: parsed.metadata,
  };
}
