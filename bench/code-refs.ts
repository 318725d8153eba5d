/**
 * `npm run bench:code-refs`: the code search behind `check --code` on a generated source tree
 * (FILES files, default 50,000: TypeScript, Python, Go, Ruby and SQL of ~3 KB each, plus a
 * node_modules of FILES/10 files that must be skipped). One file in 500 uses the column, one in 50
 * names it only in a comment. Prints JSON: {files, bytes, references, builtin_s, ripgrep_s}
 * (ripgrep_s null when rg is not installed); each searcher runs RUNS times (default 3), the best
 * wall time counts. The tree is generated in a temporary directory and removed (KEEP=1 keeps it).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findRipgrep } from "../src/usage/code/ripgrep.js";
import { searchCode } from "../src/usage/code/search.js";
import { columnForms, tableForms } from "../src/usage/names.js";

const FILES = Number(process.env.FILES ?? 50_000);
const RUNS = Number(process.env.RUNS ?? 3);
const PER_DIR = 100;

const BODIES: Record<string, (i: number, uses: boolean, comment: boolean) => string> = {
  ts: (i, uses, comment) => `${comment ? "// legacy_score was dropped from the UI\n" : ""}export function handler${i}(req: Request) {\n  const user = await db.user.findFirst({ where: { id: req.id } });\n${uses ? "  return user.legacyScore;\n" : "  return user.email;\n"}}\n`,
  py: (i, uses, comment) => `${comment ? "# legacy_score: see the migration\n" : ""}def view_${i}(request):\n    user = User.objects.get(pk=request.id)\n${uses ? "    return user.legacy_score\n" : "    return user.email\n"}`,
  go: (i, uses, comment) => `package h\n\n${comment ? "// LegacyScore is gone\n" : ""}func Handler${i}(db *sql.DB) error {\n\t_, err := db.Exec(${uses ? '"UPDATE users SET legacy_score = 0"' : '"UPDATE users SET email = lower(email)"'})\n\treturn err\n}\n`,
  rb: (i, uses, comment) => `${comment ? "# legacy_score is ignored\n" : ""}class Handler${i}\n  def call(user)\n${uses ? "    user.legacy_score\n" : "    user.email\n"}  end\nend\n`,
  sql: (i, uses, comment) => `${comment ? "-- legacy_score\n" : ""}SELECT id, ${uses ? "legacy_score" : "email"} FROM users WHERE id = ${i};\n`,
};
const EXTS = Object.keys(BODIES);

/** ~3 KB of ordinary code around the interesting lines. */
const FILLER = Array.from({ length: 60 }, (_, k) => `  const value${k} = compute(value${k - 1 < 0 ? 0 : k - 1}, "a string with words in it");`).join("\n");

function generate(root: string): { bytes: number; references: number } {
  let bytes = 0;
  let references = 0;
  const write = (rel: string, text: string) => {
    writeFileSync(path.join(root, rel), text);
    bytes += text.length;
  };
  for (let i = 0; i < FILES; i++) {
    const dir = `src/pkg${Math.floor(i / PER_DIR)}`;
    if (i % PER_DIR === 0) mkdirSync(path.join(root, dir), { recursive: true });
    const ext = EXTS[i % EXTS.length]!;
    const uses = i % 500 === 0;
    if (uses) references++;
    write(`${dir}/file${i}.${ext}`, `${BODIES[ext]!(i, uses, i % 50 === 1)}\n/*\n${FILLER}\n*/\n`);
  }
  for (let i = 0; i < FILES / 10; i++) {
    const dir = `node_modules/dep${Math.floor(i / PER_DIR)}`;
    if (i % PER_DIR === 0) mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, dir, `index${i}.js`), "module.exports = (u) => u.legacyScore;\n");
  }
  return { bytes, references };
}

async function best(searcher: "builtin" | "auto", root: string): Promise<{ seconds: number; hits: number; files: number }> {
  let out: { seconds: number; hits: number; files: number } | undefined;
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    const result = await searchCode({ dirs: [root], exclude: [], names: [columnForms("legacy_score"), tableForms("legacy_scores")], base: root, env: process.env, searcher });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (!out || seconds < out.seconds) out = { seconds, hits: result.hits[0]!.length, files: result.files };
  }
  return out!;
}

const root = mkdtempSync(path.join(os.tmpdir(), "lockstep-bench-code-"));
try {
  const { bytes, references } = generate(root);
  const builtin = await best("builtin", root);
  const ripgrep = findRipgrep(process.env) ? await best("auto", root) : undefined;
  if (builtin.hits !== references || (ripgrep && ripgrep.hits !== references)) throw new Error(`expected ${references} references, found ${builtin.hits} (built-in) / ${ripgrep?.hits} (ripgrep)`);
  console.log(JSON.stringify({ files: builtin.files, bytes, references, builtin_s: round(builtin.seconds), ripgrep_s: ripgrep ? round(ripgrep.seconds) : null }));
} finally {
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
