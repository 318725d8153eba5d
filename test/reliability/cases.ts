import { readFileSync } from "node:fs";
import { corpusFiles, prng } from "./harness.js";

/** One bad (or odd) input: a name for the report and the bytes a user could hand Lockstep. */
export interface InputCase {
  name: string;
  bytes: Buffer;
}

const INVALID_UTF8 = [Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])];
const STRANGE_IDENTIFIERS = [
  `"x""; DROP TABLE users; --"`,
  `"users"" WHERE 1=1; DELETE FROM users; --"`,
  `"Robert'); DROP TABLE users;--"`,
  `"表_ü_😀"`,
  `"<!channel>"`,
  `"<@U123> *bold* _it_ ~s~ \`code\`"`,
  `"$$; DROP TABLE users; $$"`,
  `"${"a".repeat(63)}"`,
  `"${"é".repeat(40)}"`,
  `"\\"`,
  `U&"\\0441\\043B\\043E\\043D"`,
  `"x""y"`,
];

/** Statements of real migrations (split on `;` at line ends; good enough to mutate). */
function corpusStatements(count: number, seed: number): string[] {
  const rnd = prng(seed);
  const files = corpusFiles();
  const out: string[] = [];
  for (let tries = 0; out.length < count && files.length && tries < count * 20; tries++) {
    const text = readFileSync(rnd.pick(files), "utf8");
    const parts = text.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s.length > 10 && s.length < 4000);
    if (parts.length) out.push(`${rnd.pick(parts)};\n`);
  }
  // without the corpus (a fresh clone elsewhere) the generators still have statements to mutate
  const fallback = ["ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT 'x';\n", "CREATE INDEX users_email ON users (email);\n", "UPDATE users SET email = lower(email) WHERE id < 100;\n"];
  while (out.length < count) out.push(fallback[out.length % fallback.length]!);
  return out;
}

function nest(depth: number, open: string, inner: string, close: string): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

/**
 * `count` generated cases with a fixed seed: truncations and byte mutations of real statements,
 * random bytes, NUL bytes, invalid UTF-8, odd and injection-looking identifiers, deep nesting.
 */
export function generatedCases(count: number, seed = 16): InputCase[] {
  const rnd = prng(seed);
  const statements = corpusStatements(Math.max(10, Math.ceil(count / 2)), seed + 1);
  const kinds = ["truncate", "mutate", "random", "nul", "utf8", "identifier", "nesting", "real"] as const;
  const out: InputCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length]!;
    const st = Buffer.from(rnd.pick(statements));
    let bytes: Buffer;
    switch (kind) {
      case "truncate":
        bytes = st.subarray(0, 1 + rnd.int(st.length - 1));
        break;
      case "mutate": {
        bytes = Buffer.from(st);
        for (let k = 1 + rnd.int(3); k > 0; k--) bytes[rnd.int(bytes.length)] = rnd.int(256);
        break;
      }
      case "random":
        bytes = rnd.bytes(1 + rnd.int(2000));
        break;
      case "nul": {
        const at = rnd.int(st.length);
        bytes = Buffer.concat([st.subarray(0, at), Buffer.from([0]), st.subarray(at)]);
        break;
      }
      case "utf8": {
        const at = rnd.int(st.length);
        bytes = Buffer.concat([st.subarray(0, at), rnd.pick(INVALID_UTF8), st.subarray(at)]);
        break;
      }
      case "identifier": {
        const id = rnd.pick(STRANGE_IDENTIFIERS);
        const forms = [
          `CREATE TABLE ${id} (${id} int PRIMARY KEY);\n`,
          `ALTER TABLE users ADD COLUMN ${id} text;\n`,
          `CREATE INDEX ${id} ON users (id);\n`,
          `ALTER TABLE ${id} RENAME TO ${rnd.pick(STRANGE_IDENTIFIERS)};\n`,
          `UPDATE users SET id = id WHERE ${id} = 'x''; DROP TABLE users; --';\n`,
          `DELETE FROM ${id} WHERE id IN (SELECT id FROM users);\n`,
          `COMMENT ON TABLE users IS '<!channel> <!here> <@U123> *bold* ${id.replace(/'/g, "''")}';\n`,
        ];
        bytes = Buffer.from(rnd.pick(forms));
        break;
      }
      case "nesting": {
        const depth = rnd.pick([50, 500, 3000, 20000, 100000]);
        const forms = [
          `SELECT ${nest(depth, "(", "1", ")")};\n`,
          `SELECT ${nest(depth, "ARRAY[", "1", "]")};\n`,
          `SELECT 1${" + 1".repeat(depth)};\n`,
          `SELECT ${nest(Math.min(depth, 5000), "(SELECT ", "1", ")")};\n`,
          `UPDATE users SET id = id WHERE ${nest(Math.min(depth, 5000), "NOT (", "true", ")")};\n`,
          `SELECT ${nest(Math.min(depth, 5000), "CASE WHEN true THEN ", "1", " END")};\n`,
        ];
        bytes = Buffer.from(rnd.pick(forms));
        break;
      }
      case "real":
        bytes = st;
        break;
    }
    out.push({ name: `${kind}#${i}`, bytes });
  }
  return out;
}

/** Hand-written cases (big ones only under `big`). */
export function handWrittenCases(big: boolean): InputCase[] {
  const cases: Array<[string, string | Buffer]> = [
    ["empty", ""],
    ["whitespace only", " \n\t\n"],
    ["comments only", "-- nothing here\n/* nor /* here */ */\n"],
    ["unterminated string", "UPDATE users SET email = 'oops;\n"],
    ["unterminated dollar quote", "DO $$ BEGIN RAISE NOTICE 'x';\n"],
    ["unterminated comment", "SELECT 1; /* never closed\n"],
    ["byte order mark", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("SELECT 1;\n")])],
    ["NUL only", Buffer.from([0])],
    ["CRLF line ends", "ALTER TABLE users\r\n  ADD COLUMN x int;\r\nCREATE INDEX i ON users (x);\r\n"],
    ["lone CR", "SELECT 1;\rSELECT 2;\r"],
    ["psql meta-command", "\\connect other\nSELECT 1;\n"],
    ["mention and mrkdwn in SQL", "COMMENT ON TABLE users IS '<!channel> <!everyone> <@U123> <#C999> *bold* `code` &amp;';\n"],
    ["injection-looking identifier", `ALTER TABLE users ADD COLUMN "x""; DROP TABLE users; --" text;\n`],
    ["unicode identifiers", `CREATE TABLE "表" ("ü" int, "😀" text);\nALTER TABLE "表" ADD COLUMN "é" int;\n`],
    ["very long line", `SELECT ${"1, ".repeat(50_000)}1;\n`],
    ["DROP DATABASE", "DROP DATABASE postgres;\n"],
  ];
  if (big) {
    // a 10 MB migration and 100k statements
    const row = "INSERT INTO users (id, email) VALUES (1, 'someone@example.com');\n";
    cases.push(["10 MB migration", row.repeat(Math.ceil((10 * 1024 * 1024) / row.length))]);
    cases.push(["100k statements", "SELECT 1;\n".repeat(100_000)]);
  }
  return cases.map(([name, b]) => ({ name, bytes: Buffer.isBuffer(b) ? b : Buffer.from(b) }));
}
