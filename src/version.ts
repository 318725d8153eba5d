import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

function findPackageJson(): { version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return { version: "0.0.0" };
      dir = parent;
    }
  }
}

export const VERSION: string = findPackageJson().version;
