import type { Rule } from "./define.js";

/** Every rule, in documentation order. A meta test checks each file in rules/ is listed here. */
export const rules: readonly Rule[] = [];

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}
