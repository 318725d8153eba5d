/** Writes docs/rules.md from the rule definitions: `npm run docs:rules`. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rules } from "../../src/analyze/rules/index.js";
import { rulesMarkdown } from "../../src/analyze/rules-docs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const target = path.join(root, "docs/rules.md");
writeFileSync(target, rulesMarkdown(rules));
console.log(JSON.stringify({ wrote: path.relative(root, target), rules: rules.length }));
