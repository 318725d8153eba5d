import { createHash } from "node:crypto";
import { VERSION } from "../version.js";

export interface ContentFile {
  /** relative to the target's migrations dir (or the ad-hoc label) */
  path: string;
  bytes: Buffer;
}

/**
 * What an approval is bound to: SHA-256 of the ordered (path, bytes) pairs + target + Lockstep
 * version. Lengths are hashed before each part so no two different inputs share a byte stream.
 */
export function contentHash(files: ContentFile[], target: string, version: string = VERSION): string {
  const h = createHash("sha256");
  const part = (b: Buffer) => {
    h.update(`${b.length}:`);
    h.update(b);
  };
  part(Buffer.from("lockstep-content-v1"));
  part(Buffer.from(String(files.length)));
  for (const f of files) {
    part(Buffer.from(f.path, "utf8"));
    part(f.bytes);
  }
  part(Buffer.from(target, "utf8"));
  part(Buffer.from(version, "utf8"));
  return h.digest("hex");
}
