/**
 * The identifiers under which application code names a column or table: the name itself and the
 * forms ORMs generate from it. A column display_name is display_name, displayName and DisplayName;
 * a table order_items is also the model class OrderItem (Rails, GORM, EF, TypeORM, Prisma), its
 * singular order_item and camelCase forms. A one-word table's lower-case singular (users -> user)
 * is left out: it names every local variable of that model, and the class name (User) already
 * finds the model and so every use of it.
 */
export interface NameForms {
  /** matched exactly, as whole identifiers */
  exact: string[];
  /** matched whatever their case (a Django model class: table shop_orderitem <- class OrderItem) */
  anyCase: string[];
}

export function columnForms(column: string): NameForms {
  return { exact: casings(column), anyCase: [] };
}

/** `django`: the code is a Django project, whose tables are app_label + "_" + the model class in lower case. */
export function tableForms(table: string, opts: { django?: boolean } = {}): NameForms {
  const exact = casings(table);
  const w = words(table);
  if (w && w.length > 0) {
    const one = singular(w[w.length - 1]!);
    if (one !== w[w.length - 1]) {
      const s = [...w.slice(0, -1), one];
      exact.push(pascal(s));
      if (s.length > 1) exact.push(s.join("_"), camel(s));
    }
  }
  const last = w?.[w.length - 1];
  const anyCase = opts.django && w && w.length > 1 && last ? [last] : [];
  return { exact: [...new Set(exact)], anyCase };
}

/** The name as written, and its snake_case, camelCase and PascalCase forms. */
function casings(name: string): string[] {
  const w = words(name);
  if (!w) return [name];
  return [...new Set([name, w.join("_"), camel(w), pascal(w)])];
}

/** The lower-case words of an identifier (snake_case or camelCase); undefined for names code cannot spell bare. */
export function words(name: string): string[] | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
  const parts = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .split("_")
    .filter(Boolean);
  return parts.length ? parts : undefined;
}

function camel(w: string[]): string {
  return w.map((x, i) => (i === 0 ? x : cap(x))).join("");
}

function pascal(w: string[]): string {
  return w.map(cap).join("");
}

function cap(x: string): string {
  return x.charAt(0).toUpperCase() + x.slice(1);
}

const IRREGULAR: Record<string, string> = { people: "person", children: "child", men: "man", women: "woman", mice: "mouse", geese: "goose", data: "datum", media: "medium", indices: "index", criteria: "criterion" };

const UNCOUNTABLE = new Set(["series", "species", "news", "info", "information", "equipment", "metadata"]);

/** English singular as ORMs inflect table names (categories -> category, addresses -> address, users -> user). */
export function singular(word: string): string {
  if (IRREGULAR[word]) return IRREGULAR[word];
  if (UNCOUNTABLE.has(word)) return word;
  if (/[^aeiou]ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/(status|bus|campus|virus|bonus|census)es$/.test(word)) return word.slice(0, -2);
  if (/(ss|us|is)$/.test(word)) return word;
  if (word.endsWith("s") && word.length > 1) return word.slice(0, -1);
  return word;
}
