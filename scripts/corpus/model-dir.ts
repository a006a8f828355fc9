import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** File name of the MobileNetV2 float graph that the corpus scripts embed images with. */
export const MODEL_FILE = 'mobilenetv2-12-float.onnx';

/**
 * Returns the absolute folder of the pretrained weights, from the --model-dir
 * flag, else MADMIX_MODEL_DIR. Throws when neither is set or when the folder
 * lacks the model file, naming both sources and the path checked.
 */
export function resolveModelDir(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const source = flag !== undefined ? '--model-dir' : 'MADMIX_MODEL_DIR';
  const dir = flag ?? env.MADMIX_MODEL_DIR;
  if (!dir) {
    throw new Error(`the model folder is not set: pass --model-dir DIR or set MADMIX_MODEL_DIR to the folder holding ${MODEL_FILE}`);
  }
  const file = join(resolve(dir), MODEL_FILE);
  if (!existsSync(file)) {
    throw new Error(`${file} not found (folder from ${source}); pass --model-dir DIR or set MADMIX_MODEL_DIR to the folder holding ${MODEL_FILE}`);
  }
  return resolve(dir);
}
