import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

function findPackageJson(): { version: string; root: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      return { ...(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }), root: dir };
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return { version: "0.0.0", root: dir };
      dir = parent;
    }
  }
}

const pkg = findPackageJson();
export const VERSION: string = pkg.version;
/** The directory of Lockstep's package.json (its docs/ are next to it). */
export const PACKAGE_ROOT: string = pkg.root;
